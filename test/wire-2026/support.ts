import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { createTaskSessionFromClient, type ApplicationInputHandler, type TaskEnabledSession } from '@modelcontextprotocol/ext-tasks/client';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, McpServer, type AuthInfo } from '@modelcontextprotocol/server';
import { authenticate } from '../../src/http/bearer.js';
import { readJsonBody } from '../../src/http/body.js';
import { createTokenVerifier, validateIdentityConfig } from '../../src/identity/index.js';
import { stepUpData } from '../../src/wire/rpc-errors.js';
import { createTasksExtension, type TasksExtension } from '../../src/wire/v2026/extension.js';
import assert from 'node:assert/strict';
import { nowS } from '../attacks/helpers.js';
import { AUDIENCE, ISSUER, startStack, type Stack, type StackOptions, type Who } from '../support/stack.js';

export const REVISION = '2026-07-28';
export const TASKS = 'io.modelcontextprotocol/tasks';
export const PROTOCOL_VERSION_META = 'io.modelcontextprotocol/protocolVersion';
export const CLIENT_CAPABILITIES_META = 'io.modelcontextprotocol/clientCapabilities';
export const CLIENT_INFO = { name: 'taskguard-2026-test', version: '1.0.0' };
/** The capabilities a 2026 client declares per request when it can take a task. */
export const DECLARING = { extensions: { [TASKS]: {} } };

/**
 * The 2025 stack (its guard, verifier keys, policy, gates and audit) with a second endpoint in front of the
 * same guard: a v2 server from createMcpHandler, a fresh McpServer per request with the tasks extension
 * attached, behind node:http that verifies the bearer token, asks the extension's preflight (a step-up is
 * the RFC 9470 401 before any payload) and hands the verified AuthInfo to the handler as `req.auth`.
 */
export interface Stack2026 extends Stack {
  /** The 2026-07-28 endpoint. */
  url2026: string;
  extension: TasksExtension;
  /** Servers the handler factory built (one per request). */
  built(): number;
  /** One raw JSON-RPC exchange on the 2026 endpoint, with the standard headers and the `_meta` envelope. */
  rpc(who: Who | { token: string }, method: string, params?: Record<string, unknown>, options?: RpcOptions): Promise<RawReply>;
  /** An SDK v2 client negotiated to 2026-07-28 (server/discover), authenticated as `who`. */
  client(who: Who): Promise<Client>;
  /** An ext-tasks session on such a client (rawDispatch: the same raw exchange, authenticated as `who`). */
  session(who: Who, onInputRequest?: ApplicationInputHandler['handle']): Promise<TaskEnabledSession>;
}

export interface RpcOptions {
  /** Whether the request's `_meta` declares the tasks extension; default true. */
  declared?: boolean;
  id?: number | string;
  /** Other `_meta` entries (the idempotency key, say). */
  meta?: Record<string, unknown>;
  /** The client capabilities to declare instead (then `declared` is not read). */
  capabilities?: Record<string, unknown>;
}

export interface RawReply {
  status: number;
  wwwAuthenticate: string | null;
  /** The JSON-RPC response as sent (parsed from JSON, or from the one SSE event that carried it). */
  body: { jsonrpc: string; id: unknown; result?: Record<string, unknown>; error?: { code: number; message: string; data?: unknown } };
}

export async function startStack2026(options: StackOptions = {}): Promise<Stack2026> {
  const stack = await startStack(options);
  const extension = createTasksExtension(stack.guard);
  let built = 0;
  const handler = createMcpHandler((ctx) => {
    built += 1;
    return extension.attach(new McpServer({ name: 'taskguard-2026-test', version: '1.0.0' }), ctx);
  }, { legacy: 'reject' });
  const node = toNodeHandler(handler);
  const verifier = createTokenVerifier(validateIdentityConfig({ issuer: ISSUER, audience: AUDIENCE, keys: [stack.publicJwk], algorithms: ['ES256'] }));

  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const auth = await authenticate(req, verifier);
    if (!auth.ok) {
      res.writeHead(auth.status, { 'www-authenticate': auth.challenge, 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32001, message: auth.message } }));
    }
    let body: unknown;
    if (req.method === 'POST') {
      const parsed = await readJsonBody(req, 1_000_000);
      if (!parsed.ok) return void res.writeHead(parsed.status).end();
      body = parsed.value;
    }
    const checked = await extension.preflight(body, auth.authInfo as AuthInfo);
    if (checked.stepUp) {
      const id = typeof body === 'object' && body !== null && 'id' in body ? (body as { id: unknown }).id : null;
      const challenge = [
        'error="insufficient_user_authentication"',
        ...(checked.stepUp.acr_values !== undefined ? [`acr_values="${checked.stepUp.acr_values}"`] : []),
        ...(checked.stepUp.max_age_s !== undefined ? [`max_age=${checked.stepUp.max_age_s}`] : []),
      ];
      res.writeHead(401, { 'www-authenticate': `Bearer ${challenge.join(', ')}`, 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ jsonrpc: '2.0', id, error: { code: -32004, message: 'step-up authentication required', data: stepUpData(checked.stepUp) } }));
    }
    (req as IncomingMessage & { auth?: AuthInfo }).auth = checked.authInfo;
    await node(req as Parameters<typeof node>[0], res, body);
  };
  const server = createServer((req, res) => {
    serve(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url2026 = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  const clients: Client[] = [];
  const bearerOf = async (who: Who | { token: string }): Promise<string> => ('token' in who ? who.token : stack.token(who));

  const exchange = (token: string, message: Record<string, unknown>, headers: Record<string, string> = {}): Promise<RawReply> =>
    exchange2026(url2026, token, message, headers);
  const rpc: Stack2026['rpc'] = async (who, method, params = {}, rpcOptions = {}) => rpc2026(url2026, await bearerOf(who), method, params, rpcOptions);

  const client = async (who: Who): Promise<Client> => {
    const c = new Client(CLIENT_INFO, { versionNegotiation: { mode: 'auto' }, capabilities: DECLARING });
    await c.connect(new StreamableHTTPClientTransport(new URL(url2026), { requestInit: { headers: { Authorization: `Bearer ${await stack.token(who)}` } } }));
    clients.push(c);
    return c;
  };

  const session = async (who: Who, onInputRequest?: ApplicationInputHandler['handle']): Promise<TaskEnabledSession> => {
    const c = await client(who);
    const token = await stack.token(who);
    return createTaskSessionFromClient(c, {
      endpointId: url2026,
      ...(onInputRequest ? { onInputRequest } : {}),
      v2RequestFraming: { protocolVersion: REVISION, clientInfo: CLIENT_INFO, clientCapabilities: DECLARING },
      rawDispatch: async (request, dispatchOptions) => {
        const reply = await exchange(token, { jsonrpc: '2.0', id: randomUUID(), ...(request as Record<string, unknown>) }, dispatchOptions?.context?.headers);
        return reply.body.error
          ? { kind: 'error', error: { code: reply.body.error.code, message: reply.body.error.message, ...(reply.body.error.data !== undefined ? { data: reply.body.error.data as never } : {}) } }
          : { kind: 'result', result: (reply.body.result ?? {}) as never };
      },
    });
  };

  return {
    ...stack,
    url2026, extension, rpc, client, session,
    built: () => built,
    async close() {
      for (const c of clients) await c.close().catch(() => {});
      await handler.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await stack.close();
    },
  };
}

/** One JSON-RPC message POSTed to a 2026-07-28 endpoint with the standard headers (SEP-2243) and a bearer token. */
export async function exchange2026(url: string, token: string, message: Record<string, unknown>, headers: Record<string, string> = {}): Promise<RawReply> {
  const method = String(message['method']);
  const sent = new Headers({
    'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${token}`,
    'mcp-protocol-version': REVISION, 'mcp-method': method, ...routingHeader(method, message['params']),
  });
  // A caller's header replaces ours of the same name, whatever its case.
  for (const [name, value] of Object.entries(headers)) sent.set(name, value);
  const res = await fetch(url, { method: 'POST', headers: sent, body: JSON.stringify(message) });
  const text = await res.text();
  return { status: res.status, wwwAuthenticate: res.headers.get('www-authenticate'), body: parseReply(text, res.headers.get('content-type')) };
}

/** A request with the 2026 `_meta` envelope (declaring the tasks extension unless told otherwise). */
export function rpc2026(url: string, token: string, method: string, params: Record<string, unknown> = {}, options: RpcOptions = {}): Promise<RawReply> {
  const meta = {
    ...(params['_meta'] as Record<string, unknown> | undefined), ...options.meta,
    [PROTOCOL_VERSION_META]: REVISION,
    [CLIENT_CAPABILITIES_META]: options.capabilities ?? (options.declared === false ? {} : DECLARING),
  };
  return exchange2026(url, token, { jsonrpc: '2.0', id: options.id ?? 1, method, params: { ...params, _meta: meta } });
}

/** SEP-2243's routing header: Mcp-Name mirrors params.name (tools/call) or params.taskId (tasks/*). */
function routingHeader(method: string, params: unknown): Record<string, string> {
  const field = method === 'tools/call' ? 'name' : method.startsWith('tasks/') ? 'taskId' : undefined;
  const value = field && typeof params === 'object' && params !== null ? (params as Record<string, unknown>)[field] : undefined;
  if (typeof value !== 'string') return {};
  // Values a header cannot carry as they are travel Base64-encoded, as the SDK's client sends them.
  const plain = /^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/.test(value);
  return { 'mcp-name': plain ? value : `=?base64?${Buffer.from(value, 'utf8').toString('base64')}?=` };
}

function parseReply(text: string, contentType: string | null): RawReply['body'] {
  // A status-only answer (a host's bare 401, say) has no JSON-RPC message at all.
  if (text === '') return {} as RawReply['body'];
  if (contentType?.startsWith('text/event-stream')) {
    const data = text.split('\n').filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trim());
    const responses = data.map((d) => JSON.parse(d) as RawReply['body']).filter((m) => 'result' in m || 'error' in m);
    const last = responses.at(-1);
    if (!last) throw new Error(`no JSON-RPC response in the event stream: ${text.slice(0, 200)}`);
    return last;
  }
  return JSON.parse(text) as RawReply['body'];
}

/** The result of a reply that must have succeeded. */
export function resultOf(reply: RawReply): Record<string, unknown> {
  assert.ok(reply.body.result, `expected a result, got ${JSON.stringify(reply.body)}`);
  return reply.body.result;
}

/** `sub` with fresh MFA (what the demo policy's step-up asks for). */
export const mfa = (sub = 'alice'): Who => ({ sub, acr: 'urn:example:mfa', authTimeS: nowS() - 10 });

/** Polls tasks/get on the 2026 endpoint until the task has `status` (or passes `check`); fails with the last answer. */
export async function waitFor2026(
  stack: Stack2026, who: Who, taskId: string, status: string | ((task: Record<string, unknown>) => boolean), limitMs = 5000,
): Promise<RawReply> {
  const check = typeof status === 'string' ? (task: Record<string, unknown>) => task['status'] === status : status;
  const until = Date.now() + limitMs;
  for (;;) {
    const reply = await stack.rpc(who, 'tasks/get', { taskId });
    if (reply.body.result && check(reply.body.result)) return reply;
    if (Date.now() > until) throw new Error(`task ${taskId}: ${JSON.stringify(reply.body)}, expected ${String(status)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
