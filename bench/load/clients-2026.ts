import { Agent } from 'node:http';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { TOOL_NAME } from './convert.js';
import type { User } from './identity.js';
import type { LoadClient, PolledTask } from './clients.js';
import { post, rpcResult } from './raw-http.js';

const REVISION = '2026-07-28';
const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';
const CLIENT_INFO = { name: 'taskguard-bench-load-2026', version: '1.0.0' };
/** The per-request envelope (SEP-2575): 2026-07-28 is sessionless, so every request says who it is and what it can take. */
const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': REVISION,
  'io.modelcontextprotocol/clientInfo': CLIENT_INFO,
  'io.modelcontextprotocol/clientCapabilities': { extensions: { [TASKS_EXTENSION]: {} } },
};

/**
 * Raw-HTTP 2026-07-28 clients: each one keep-alive connection of its own (as an SDK client holds one), POSTing
 * JSON-RPC with the SEP-2243 headers and the per-request `_meta` envelope, declaring the tasks extension. Each
 * starts with server/discover. A plain client rather than @modelcontextprotocol/client: the generator shares
 * 2 CPUs with the server, and the v2 SDK client costs it about 4x the CPU per request of this one, enough to
 * saturate it at 200 clients (docs/BENCHMARKS.md, "2026-07-28: the second pair in the same run").
 */
export async function connectClients2026(url: string, users: readonly User[], count: number): Promise<LoadClient[]> {
  const clients = Array.from({ length: count }, (_, index) => rawClient(new URL(url), users[index % users.length] as User, index));
  await Promise.all(clients.map((c) => c.discover()));
  return clients;
}

function rawClient(url: URL, user: User, index: number): LoadClient & { discover(): Promise<void> } {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  let closed = false;
  let nextId = 1;
  const rpc = async (method: string, params: Record<string, unknown>, name: string | undefined, timeoutMs: number): Promise<Record<string, unknown>> => {
    if (closed) throw new Error('client closed');
    const id = nextId++;
    const body = JSON.stringify({ jsonrpc: '2.0', id, method, params: { ...params, _meta: ENVELOPE } });
    const reply = await post(url, agent, {
      'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${user.token}`,
      'mcp-protocol-version': REVISION, 'mcp-method': method, ...(name ? { 'mcp-name': name } : {}),
    }, body, timeoutMs, method);
    return rpcResult(reply, id);
  };
  return {
    index,
    user,
    discover: async () => void (await rpc('server/discover', {}, undefined, 30_000)),
    createTask: async (doc, bytes, _ttlMs, options) => {
      // 2026-07-28 has no requested TTL: the server (here the policy) decides ttlMs.
      const answer = await rpc('tools/call', { name: TOOL_NAME, arguments: { doc, bytes } }, TOOL_NAME, options.timeout ?? 30_000);
      if (answer['resultType'] !== 'task') throw new Error(`tools/call answered resultType ${String(answer['resultType'])}, not task`);
      return { taskId: String(answer['taskId']), status: String(answer['status']) };
    },
    getTask: async (taskId, options): Promise<PolledTask> => {
      const answer = await rpc('tasks/get', { taskId }, taskId, options.timeout ?? 30_000);
      const result = answer['result'] as CallToolResult | undefined;
      return { taskId: String(answer['taskId']), status: String(answer['status']), ...(result ? { result } : {}) };
    },
    close: async () => {
      closed = true;
      agent.destroy();
    },
  };
}
