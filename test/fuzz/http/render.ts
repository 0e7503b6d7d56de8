import { isRecord } from '../../../src/decision/parse.js';
import type { BodySpec, FuzzCase, MessageSpec } from './cases.js';
import { KNOWN_METHODS, REGISTERED_TOOLS } from './params.js';
import { NO_SUCH_TASK, resolveMarkers, sessionHeader } from './refs.js';
import type { RawRequest } from './raw-http.js';
import { ATTACKER_NAMES, type AttackerName } from './callers.js';
import type { World } from './world.js';

const BODY_LIMIT = 1_048_576;

/** What the oracle needs to know about a rendered case. */
export interface Facts {
  /** The row in the closing table: the JSON-RPC method, or what kind of body or HTTP method it was. */
  label: string;
  attacker: AttackerName | undefined;
  /** The request names the attacker's own live session. */
  ownSession: boolean;
  hostAllowed: boolean;
  /** An Origin header that is present and not this host's own (loopback) origin. */
  foreignOrigin: boolean;
  /** POST to the MCP path with the Accept, Content-Type and MCP-Protocol-Version a conforming client sends. */
  conformingTransport: boolean;
  /** What the body is once parsed: not JSON, an array (a batch), or one JSON value. */
  body: { kind: 'none' } | { kind: 'not-json' } | { kind: 'too-large' } | { kind: 'batch'; length: number } | { kind: 'single'; value: unknown };
  /** The body's text: anything an answer repeats from it is an echo, not a leak. */
  text: string;
}

export function render(c: FuzzCase, world: World): { request: RawRequest; facts: Facts } {
  const attacker = (ATTACKER_NAMES as readonly string[]).includes(c.who) ? (c.who as AttackerName) : undefined;
  const resolve = (value: unknown): unknown => resolveMarkers(value, attacker ?? 'mallory', world);
  const bytes = bodyBytes(c.body, resolve);
  const text = bytes.toString('utf8');

  const headers: Array<[string, string]> = [];
  const port = world.url.port;
  if (c.headers.host !== 'default') headers.push(['host', c.headers.host === 'localhost-port' ? `localhost:${port}` : c.headers.host]);
  if (c.headers.accept !== null) headers.push(['accept', c.headers.accept]);
  if (c.headers.contentType !== null) headers.push(['content-type', c.headers.contentType]);
  const authorization = attacker ? `Bearer ${world.attackers[attacker].token}` : world.bad[c.who as keyof World['bad']];
  if (authorization !== undefined) headers.push(['authorization', authorization]);
  const session = sessionHeader(c.session, attacker ?? 'mallory', world);
  if (session !== undefined) headers.push(['mcp-session-id', session]);
  if (c.headers.protocolVersion !== null) headers.push(['mcp-protocol-version', c.headers.protocolVersion]);
  if (c.headers.origin !== null) headers.push(['origin', originValue(c.headers.origin, port)]);
  if (c.headers.lastEventId !== null) headers.push(['last-event-id', c.headers.lastEventId]);

  const sendsBody = c.http !== 'GET' && c.body.kind !== 'none';
  const facts: Facts = {
    label: labelOf(c),
    attacker,
    ownSession: attacker !== undefined && c.session === 'own',
    hostAllowed: c.headers.host === 'default' || c.headers.host === 'localhost-port',
    foreignOrigin: c.headers.origin !== null && c.headers.origin !== 'loopback' && c.headers.origin !== 'loopback-name',
    conformingTransport: c.http === 'POST' && ['/mcp', '/mcp?x=1', '/mcp/../mcp'].includes(c.path)
      && c.headers.accept === 'application/json, text/event-stream'
      && ['application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON'].includes(c.headers.contentType ?? '')
      && [null, '2025-11-25', '2025-06-18', '2024-11-05'].includes(c.headers.protocolVersion),
    // Only a POST carries JSON-RPC; a body on DELETE or PUT is not read.
    body: sendsBody && c.http === 'POST' ? parsedBody(bytes) : { kind: 'none' },
    text,
  };
  return { request: { method: c.http, path: c.path, headers, ...(sendsBody ? { body: bytes } : {}) }, facts };
}

function parsedBody(bytes: Buffer): Facts['body'] {
  if (bytes.length > BODY_LIMIT) return { kind: 'too-large' };
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return { kind: 'not-json' };
  }
  return Array.isArray(value) ? { kind: 'batch', length: value.length } : { kind: 'single', value };
}

function bodyBytes(body: BodySpec, resolve: (v: unknown) => unknown): Buffer {
  switch (body.kind) {
    case 'message':
      return Buffer.from(JSON.stringify(messageOf(body.message, resolve)));
    case 'batch':
      return Buffer.from(JSON.stringify(body.messages.map((m) => messageOf(m, resolve))));
    case 'text':
      return Buffer.from(body.text);
    case 'json':
      return Buffer.from(JSON.stringify(resolve(body.value)) ?? '');
    case 'deep': {
      const nested = body.container === 'array' ? `${'['.repeat(body.depth)}1${']'.repeat(body.depth)}` : `${'{"a":'.repeat(body.depth)}1${'}'.repeat(body.depth)}`;
      if (body.where === 'body') return Buffer.from(nested);
      const params = body.where === 'params' ? `{"taskId":"${NO_SUCH_TASK}","deep":${nested}}` : `{"name":"lookup","arguments":{"q":"deep","deep":${nested}}}`;
      return Buffer.from(`{"jsonrpc":"2.0","id":7,"method":"${body.where === 'params' ? 'tasks/get' : 'tools/call'}","params":${params}}`);
    }
    case 'bytes':
      return Buffer.from(body.hex, 'hex');
    case 'number-words':
      return Buffer.from(`{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"export_data","arguments":{"rows":1},"task":{"ttl":${body.word}}}}`);
    case 'huge':
      return Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'lookup', arguments: { q: 'x'.repeat(BODY_LIMIT + 10) } } }));
    case 'none':
      return Buffer.alloc(0);
  }
}

function messageOf(m: MessageSpec, resolve: (v: unknown) => unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (m.jsonrpc !== undefined) out['jsonrpc'] = m.jsonrpc;
  if (m.id !== undefined) out['id'] = m.id;
  if (m.method !== undefined) out['method'] = m.method;
  if (m.params !== undefined) out['params'] = resolve(m.params);
  if (m.result !== undefined) out['result'] = m.result;
  return out;
}

function originValue(origin: string, port: string): string {
  if (origin === 'loopback') return `http://127.0.0.1:${port}`;
  if (origin === 'loopback-name') return `http://localhost:${port}`;
  return origin;
}

function labelOf(c: FuzzCase): string {
  if (c.http !== 'POST') return `HTTP ${c.http}`;
  switch (c.body.kind) {
    case 'message': return methodLabel(c.body.message);
    case 'batch': return 'batch (JSON array body)';
    case 'text': case 'bytes': case 'number-words': return 'body not JSON';
    case 'json': return 'body JSON, not a message';
    case 'deep': return `deep nesting (${c.body.where})`;
    case 'huge': return 'body over the size limit';
    case 'none': return 'no body';
  }
}

function methodLabel(m: MessageSpec): string {
  if (typeof m.method !== 'string') return 'method not a string';
  const known = (KNOWN_METHODS as readonly string[]).includes(m.method) || m.method.startsWith('notifications/');
  const name = known ? m.method : 'unknown method';
  if (m.method === 'tools/call' && isRecord(m.params) && m.params['task'] !== undefined) return 'tools/call (task)';
  if (m.method === 'tools/call' && isRecord(m.params) && typeof m.params['name'] === 'string' && !(REGISTERED_TOOLS as readonly string[]).includes(m.params['name'])) return 'tools/call (unknown tool)';
  return name;
}
