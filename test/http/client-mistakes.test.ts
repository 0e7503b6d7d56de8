import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { INITIALIZE, MCP_POST_HEADERS } from '../e2e/support/http.js';
import { startStack, type GuardedClient, type Stack } from '../support/stack.js';

interface Answer {
  status: number;
  body: string;
}

/** One exchange with the request target exactly as given (fetch and URL would normalize it first). */
function exchange(url: string, options: { method: string; target: string; headers: Record<string, string>; body?: string }): Promise<Answer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, method: options.method, path: options.target, headers: options.headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      // An SSE stream that stays open has answered once its status line is in.
      if (res.headers['content-type']?.startsWith('text/event-stream')) {
        resolve({ status: res.statusCode ?? 0, body: '' });
        res.destroy();
        return;
      }
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

function errorCode(answer: Answer): number | undefined {
  try {
    return (JSON.parse(answer.body) as { error?: { code?: number } }).error?.code;
  } catch {
    return undefined;
  }
}

/** A client's mistake at the HTTP layer is a 4xx with the spec's code, never a 5xx or -32603 (internal error). */
describe('host-level client mistakes', () => {
  let stack: Stack;
  let alice: GuardedClient;
  let headers: Record<string, string>;
  before(async () => {
    stack = await startStack();
    alice = await stack.connect({ sub: 'alice' });
    const { host } = new URL(stack.url);
    headers = { ...MCP_POST_HEADERS, host, authorization: `Bearer ${await stack.token({ sub: 'alice' })}`, 'mcp-protocol-version': '2025-11-25' };
  });
  after(async () => {
    await stack.close();
  });

  it('a request target that is not a url answers 400 -32600, not 500', async () => {
    for (const target of ['http://[::1', 'http://%zz/mcp', 'http://:/mcp']) {
      const answer = await exchange(stack.url, { method: 'POST', target, headers, body: JSON.stringify(INITIALIZE) });
      assert.deepEqual({ status: answer.status, code: errorCode(answer) }, { status: 400, code: -32600 }, `target ${target}: ${answer.body}`);
    }
  });

  it('json that is not a json-rpc message answers 400 -32600 (invalid request), with or without a session', async () => {
    const session = alice.sessionId();
    assert.ok(session);
    const bodies: unknown[] = [null, 'tasks/list', 42, {}, { jsonrpc: '2.0' }, { jsonrpc: '1.0', id: 1, method: 'tasks/list' }, { jsonrpc: '2.0', id: { n: 1 }, method: 'tasks/list' }, { jsonrpc: '2.0', id: 1, method: 7 }];
    for (const body of bodies) {
      for (const sessionHeaders of [{ 'mcp-session-id': session }, {}]) {
        const answer = await exchange(stack.url, { method: 'POST', target: new URL(stack.url).pathname, headers: { ...headers, ...sessionHeaders }, body: JSON.stringify(body) });
        assert.deepEqual({ status: answer.status, code: errorCode(answer) }, { status: 400, code: -32600 }, `body ${JSON.stringify(body)}: ${answer.body}`);
      }
    }
    assert.deepEqual((await alice.list()).tasks, [], 'her session still works');
  });

  it('no other mistake at the HTTP layer gets a 5xx or -32603', async () => {
    const session = alice.sessionId();
    assert.ok(session);
    const path = new URL(stack.url).pathname;
    const list = JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'tasks/list', params: {} });
    const mistakes: Array<[string, { method: string; target: string; headers: Record<string, string>; body?: string }]> = [
      ['PUT without a session', { method: 'PUT', target: path, headers, body: list }],
      ['PATCH on a session', { method: 'PATCH', target: path, headers: { ...headers, 'mcp-session-id': session }, body: list }],
      ['OPTIONS', { method: 'OPTIONS', target: path, headers }],
      ['GET without a session', { method: 'GET', target: path, headers: { ...headers, accept: 'text/event-stream' } }],
      ['DELETE without a session', { method: 'DELETE', target: path, headers }],
      ['no accept header', { method: 'POST', target: path, headers: { ...headers, accept: '', 'mcp-session-id': session }, body: list }],
      ['an initialize without text/event-stream in accept', { method: 'POST', target: path, headers: { ...headers, accept: 'application/json' }, body: JSON.stringify(INITIALIZE) }],
      ['an unknown protocol version', { method: 'POST', target: path, headers: { ...headers, 'mcp-protocol-version': '1999-01-01', 'mcp-session-id': session }, body: list }],
      ['a second initialize on a session', { method: 'POST', target: path, headers: { ...headers, 'mcp-session-id': session }, body: JSON.stringify(INITIALIZE) }],
      ['a query string of bad escapes', { method: 'POST', target: `${path}?%zz=%`, headers: { ...headers, 'mcp-session-id': session }, body: list }],
      ['a path that is not the endpoint', { method: 'POST', target: `${path}/../x`, headers, body: list }],
      ['a body that is not json', { method: 'POST', target: path, headers, body: '{"jsonrpc":' }],
      ['a body that is not json, on a session', { method: 'POST', target: path, headers: { ...headers, 'mcp-session-id': session }, body: '\u0000' }],
      ['a text/plain body', { method: 'POST', target: path, headers: { ...headers, 'content-type': 'text/plain' }, body: list }],
    ];
    for (const [what, mistake] of mistakes) {
      const answer = await exchange(stack.url, mistake);
      assert.ok(answer.status < 500, `${what}: HTTP ${answer.status} ${answer.body}`);
      assert.notEqual(errorCode(answer), -32603, `${what}: ${answer.body}`);
    }
    assert.deepEqual((await alice.list()).tasks, [], 'her session still works');
  });
});
