import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { INITIALIZE, MCP_POST_HEADERS } from '../e2e/support/http.js';
import { startStack, type GuardedClient, type Stack } from '../support/stack.js';

const REFUSED = { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'json-rpc batches are not supported' } };

/** MCP 2025-06-18 removed JSON-RPC batching: a POST body that is an array is refused, whatever the session. */
describe('JSON-RPC batches', () => {
  let stack: Stack;
  let alice: GuardedClient;
  let aliceAuth: string;
  before(async () => {
    stack = await startStack();
    alice = await stack.connect({ sub: 'alice' });
    aliceAuth = `Bearer ${await stack.token({ sub: 'alice' })}`;
  });
  after(async () => {
    await stack.close();
  });

  const post = async (body: unknown, authorization: string, sessionId?: string): Promise<{ status: number; answer: unknown; session: string | null }> => {
    const res = await fetch(stack.url, {
      method: 'POST',
      headers: { ...MCP_POST_HEADERS, authorization, 'mcp-protocol-version': '2025-11-25', ...(sessionId ? { 'mcp-session-id': sessionId } : {}) },
      body: JSON.stringify(body),
    });
    return { status: res.status, answer: await res.json(), session: res.headers.get('mcp-session-id') };
  };

  it('is refused with 400 and -32600 in every session state, and nothing in it runs', async () => {
    const own = alice.sessionId();
    assert.ok(own);
    const bobAuth = `Bearer ${await stack.token({ sub: 'bob' })}`;
    const createTask = { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'convert_document', arguments: { text: 'x' }, task: {} } };
    const cases: Array<[string, unknown, string, string | undefined]> = [
      ['an initialize in a batch, no session', [INITIALIZE], aliceAuth, undefined],
      ['an initialize and a call, no session', [INITIALIZE, createTask], aliceAuth, undefined],
      ['a task call on her own session', [createTask], aliceAuth, own],
      ['two requests on her own session', [{ jsonrpc: '2.0', id: 3, method: 'tasks/list', params: {} }, createTask], aliceAuth, own],
      ['an empty batch on her own session', [], aliceAuth, own],
      ['a batch on an unknown session', [createTask], aliceAuth, randomUUID()],
      ['a batch on someone else\'s session', [createTask], bobAuth, own],
    ];
    for (const [what, body, authorization, sessionId] of cases) {
      const { status, answer, session } = await post(body, authorization, sessionId);
      assert.deepEqual({ status, answer, session }, { status: 400, answer: REFUSED, session: null }, what);
    }
    assert.deepEqual((await alice.list()).tasks, [], 'no task was created');
    assert.equal(stack.host.sessions(), 1, 'no session was opened');
  });

  it('a single request on the same session is still served', async () => {
    assert.deepEqual((await alice.list()).tasks, []);
  });
});
