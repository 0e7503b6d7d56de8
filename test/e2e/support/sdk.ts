import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateTaskResultSchema, GetTaskResultSchema } from '@modelcontextprotocol/sdk/types.js';

export type Task = ReturnType<typeof GetTaskResultSchema.parse>;

/** The TypeScript SDK client on the host's URL with a bearer token; kept in `clients` for cleanup. */
export async function connect(url: string, token: string, clients: Client[]): Promise<Client> {
  const client = new Client({ name: 'taskguard-e2e-sdk', version: '1.0.0' });
  clients.push(client);
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
  return client;
}

export const createTask = async (client: Client, name: string, args: Record<string, unknown>): Promise<Task> =>
  (await client.request({ method: 'tools/call', params: { name, arguments: args, task: { ttl: 600_000 } } }, CreateTaskResultSchema)).task;

export const getTask = (client: Client, taskId: string): Promise<Task> => client.request({ method: 'tasks/get', params: { taskId } }, GetTaskResultSchema);
