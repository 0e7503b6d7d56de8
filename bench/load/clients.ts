import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { RequestOptions } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { CallToolResultSchema, CreateTaskResultSchema, GetTaskResultSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { TOOL_NAME } from './convert.js';
import type { User } from './identity.js';

/** A task as a poll sees it; on 2026-07-28 a completed task's tasks/get inlines its result. */
export interface PolledTask {
  taskId: string;
  status: string;
  result?: CallToolResult;
}

/** One load client authenticated as one user: an SDK or raw-HTTP client on its own session (2025-11-25), or a raw-HTTP one (2026-07-28). */
export interface LoadClient {
  index: number;
  user: User;
  createTask(doc: string, bytes: number, ttlMs: number, options: RequestOptions): Promise<PolledTask>;
  getTask(taskId: string, options: RequestOptions): Promise<PolledTask>;
  /** tasks/result; absent where the protocol has none (2026-07-28 inlines the result in tasks/get). */
  result?(taskId: string, options: RequestOptions): Promise<CallToolResult>;
  close(): Promise<void>;
}

const CONNECT_CONCURRENCY = 20;

/**
 * Connects `count` SDK clients, user i % users.length each. Transport errors (a broken SSE stream, say) go to
 * `onTransportError`.
 */
export function connectClients(url: string, users: readonly User[], count: number, onTransportError: (err: Error) => void): Promise<LoadClient[]> {
  return connectPool(count, (index) => connectOne(url, users[index % users.length] as User, index, onTransportError));
}

/**
 * Opens `count` clients, `concurrency` at a time (200 initialize handshakes at once would measure connection
 * setup, which is not what this run is about); closes those it opened when one fails.
 */
export async function connectPool(count: number, open: (index: number) => Promise<LoadClient>, concurrency = CONNECT_CONCURRENCY): Promise<LoadClient[]> {
  const clients: LoadClient[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      clients[index] = await open(index);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  } catch (err) {
    await Promise.all(clients.filter(Boolean).map((c) => c.close()));
    throw err;
  }
  return clients;
}

async function connectOne(url: string, user: User, index: number, onTransportError: (err: Error) => void): Promise<LoadClient> {
  const client = new Client({ name: 'taskguard-bench-load', version: '1.0.0' });
  client.onerror = onTransportError;
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${user.token}` } } });
  await client.connect(transport);
  return {
    index,
    user,
    createTask: async (doc, bytes, ttlMs, options) => (await client.request({
      method: 'tools/call', params: { name: TOOL_NAME, arguments: { doc, bytes }, task: { ttl: ttlMs } },
    }, CreateTaskResultSchema, options)).task,
    getTask: (taskId, options) => client.request({ method: 'tasks/get', params: { taskId } }, GetTaskResultSchema, options),
    result: (taskId, options) => client.request({ method: 'tasks/result', params: { taskId } }, CallToolResultSchema, options),
    close: async () => {
      client.onerror = () => {};
      await client.close().catch(() => {});
    },
  };
}
