import { Agent, request } from 'node:http';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { TOOL_NAME } from './convert.js';
import type { User } from './identity.js';
import type { LoadClient, PolledTask } from './clients.js';

const REVISION = '2026-07-28';
const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';
const CLIENT_INFO = { name: 'taskguard-bench-load-2026', version: '1.0.0' };
/** The per-request envelope (SEP-2575): 2026-07-28 is sessionless, so every request says who it is and what it can take. */
const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': REVISION,
  'io.modelcontextprotocol/clientInfo': CLIENT_INFO,
  'io.modelcontextprotocol/clientCapabilities': { extensions: { [TASKS_EXTENSION]: {} } },
};

/** A JSON-RPC error answer, with its code, as the 2025 client's McpError carries one. */
export class RpcReplyError extends Error {
  constructor(readonly code: number, message: string) {
    super(`rpc error ${code}: ${message}`);
  }
}

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
  const rpc = (method: string, params: Record<string, unknown>, name: string | undefined, timeoutMs: number): Promise<Record<string, unknown>> => {
    if (closed) return Promise.reject(new Error('client closed'));
    const body = JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params: { ...params, _meta: ENVELOPE } });
    return new Promise((resolve, reject) => {
      const req = request(url, {
        method: 'POST', agent, timeout: timeoutMs,
        headers: {
          'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${user.token}`,
          'content-length': Buffer.byteLength(body), 'mcp-protocol-version': REVISION, 'mcp-method': method, ...(name ? { 'mcp-name': name } : {}),
        },
      }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => void (text += chunk)).on('end', () => {
          try {
            resolve(answerOf(res.statusCode ?? 0, res.headers['content-type'], text));
          } catch (err) {
            reject(err instanceof Error ? err : new Error(String(err)));
          }
        });
      });
      req.on('timeout', () => req.destroy(new Error(`${method} timed out after ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });
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

function answerOf(status: number, contentType: string | undefined, text: string): Record<string, unknown> {
  // The handler answers JSON unless it sends something before the result (then one SSE stream).
  const json = contentType?.startsWith('text/event-stream')
    ? text.split('\n').filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trim()).at(-1)
    : text;
  if (!json) throw new Error(`http ${status} without a JSON-RPC answer`);
  const message = JSON.parse(json) as { result?: Record<string, unknown>; error?: { code: number; message: string } };
  if (message.error) throw new RpcReplyError(message.error.code, message.error.message);
  if (!message.result) throw new Error(`http ${status}: no result in the answer`);
  return message.result;
}
