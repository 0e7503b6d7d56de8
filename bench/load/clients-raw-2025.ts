import { Agent, request, type ClientRequest, type OutgoingHttpHeaders } from 'node:http';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { TOOL_NAME } from './convert.js';
import type { User } from './identity.js';
import { connectPool, type LoadClient, type PolledTask } from './clients.js';
import { post, rpcResult, type HttpReply } from './raw-http.js';

const REVISION = '2025-11-25';
const CLIENT_INFO = { name: 'taskguard-bench-load-raw', version: '1.0.0' };
const CONNECT_TIMEOUT_MS = 30_000;

/** A raw 2025-11-25 client, plus what a test reads off it. */
export interface RawClient2025 extends LoadClient {
  /** Messages that arrived on the session's GET stream (the server's notifications/tasks/status). */
  notifications(): number;
}

/**
 * Raw-HTTP 2025-11-25 clients for the saturated run: what the SDK client puts on the wire, without its
 * Protocol layer, zod parsing and fetch streams, so the generator keeps headroom at 200 clients. Each one:
 * initialize (keeps the Mcp-Session-Id the server gives and sends it, with MCP-Protocol-Version, on every later
 * request), notifications/initialized, then the session's GET stream, as the SDK client opens one after
 * initialization (the servers send notifications/tasks/status there; without it they would skip that work).
 * Requests go over one keep-alive connection per client, the GET stream holds a second, as with the SDK
 * client. Answers are read as JSON or SSE, whichever the server picks (the SDK 1.x transport answers a
 * request with an SSE stream unless it was built with enableJsonResponse).
 */
export function connectRawClients2025(url: string, users: readonly User[], count: number, onTransportError: (err: Error) => void): Promise<LoadClient[]> {
  return connectPool(count, (index) => connectRawClient2025(url, users[index % users.length] as User, index, onTransportError));
}

export async function connectRawClient2025(endpoint: string, user: User, index: number, onTransportError: (err: Error) => void): Promise<RawClient2025> {
  const url = new URL(endpoint);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  let closed = false;
  let nextId = 0;
  let stream: ClientRequest | undefined;
  let notifications = 0;
  const authorization = `Bearer ${user.token}`;
  // The session's headers join these once initialize has answered; every later POST sends the same object.
  let headers: OutgoingHttpHeaders = { authorization, 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

  const send = (message: Record<string, unknown>, timeoutMs: number, what: string): Promise<HttpReply> => {
    if (closed) return Promise.reject(new Error('client closed'));
    return post(url, agent, headers, JSON.stringify(message), timeoutMs, what);
  };
  const rpc = async (method: string, params: Record<string, unknown>, timeoutMs: number): Promise<Record<string, unknown>> => {
    const id = nextId++;
    return rpcResult(await send({ jsonrpc: '2.0', id, method, params }, timeoutMs, method), id);
  };
  const close = async (): Promise<void> => {
    closed = true;
    stream?.destroy();
    agent.destroy();
  };

  try {
    const id = nextId++;
    const reply = await send({ jsonrpc: '2.0', id, method: 'initialize', params: { protocolVersion: REVISION, capabilities: {}, clientInfo: CLIENT_INFO } }, CONNECT_TIMEOUT_MS, 'initialize');
    const result = rpcResult(reply, id);
    const sessionId = reply.headers['mcp-session-id'];
    if (typeof sessionId !== 'string') throw new Error(`initialize answered http ${reply.status} without an Mcp-Session-Id`);
    if (result['protocolVersion'] !== REVISION) throw new Error(`initialize negotiated ${String(result['protocolVersion'])}, not ${REVISION}`);
    const session = { 'mcp-session-id': sessionId, 'mcp-protocol-version': REVISION };
    headers = { ...headers, ...session };
    const accepted = await send({ jsonrpc: '2.0', method: 'notifications/initialized' }, CONNECT_TIMEOUT_MS, 'notifications/initialized');
    if (accepted.status !== 202) throw new Error(`notifications/initialized answered http ${accepted.status}, not 202`);
    stream = await openStream(url, { authorization, ...session, accept: 'text/event-stream' }, (count) => void (notifications += count), (err) => {
      if (!closed) onTransportError(err);
    });
  } catch (err) {
    await close();
    throw err;
  }

  return {
    index,
    user,
    notifications: () => notifications,
    createTask: async (doc, bytes, ttlMs, options) => {
      const answer = await rpc('tools/call', { name: TOOL_NAME, arguments: { doc, bytes }, task: { ttl: ttlMs } }, options.timeout ?? CONNECT_TIMEOUT_MS);
      return polledTask(answer['task'], 'tools/call');
    },
    getTask: async (taskId, options) => polledTask(await rpc('tasks/get', { taskId }, options.timeout ?? CONNECT_TIMEOUT_MS), 'tasks/get'),
    result: async (taskId, options) => {
      const answer = await rpc('tasks/result', { taskId }, options.timeout ?? CONNECT_TIMEOUT_MS);
      if (!Array.isArray(answer['content'])) throw new Error('tasks/result answered without content');
      return answer as unknown as CallToolResult;
    },
    close,
  };
}

/** What the loop reads of a task; the SDK client would refuse an answer without these two, and so does this one. */
function polledTask(value: unknown, method: string): PolledTask {
  const task = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  if (typeof task['taskId'] !== 'string' || typeof task['status'] !== 'string') throw new Error(`${method} answered without a task`);
  return { taskId: task['taskId'], status: task['status'] };
}

/**
 * Opens the session's GET stream on a connection of its own and counts the messages on it: `data:` at the
 * start of a line (a JSON payload has no raw newline, so never one inside it). Resolves once the server has
 * answered 200.
 */
function openStream(url: URL, headers: OutgoingHttpHeaders, onMessages: (count: number) => void, onError: (err: Error) => void): Promise<ClientRequest> {
  return new Promise((resolve, reject) => {
    let open = false;
    const req = request(url, { method: 'GET', headers, agent: false }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`GET stream answered http ${res.statusCode ?? 0}`));
        return;
      }
      open = true;
      resolve(req);
      res.setEncoding('utf8')
        .on('data', (chunk: string) => onMessages(countData(chunk)))
        .on('end', () => onError(new Error('GET stream ended')))
        .on('error', onError);
    });
    req.on('error', (err) => (open ? onError(err) : reject(err)));
    req.end();
  });
}

function countData(chunk: string): number {
  let count = chunk.startsWith('data:') ? 1 : 0;
  for (let at = chunk.indexOf('\ndata:'); at !== -1; at = chunk.indexOf('\ndata:', at + 6)) count += 1;
  return count;
}
