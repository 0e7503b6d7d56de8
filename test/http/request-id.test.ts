import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { MCP_POST_HEADERS } from '../e2e/support/http.js';
import { startStack, type Stack } from '../support/stack.js';

/** Host-level errors answer with the request's id once the body has been read and carries a valid one. */
describe('host-level errors carry the request id', () => {
  let stack: Stack;
  let authorization: string;
  before(async () => {
    stack = await startStack();
    authorization = `Bearer ${await stack.token({ sub: 'alice' })}`;
  });
  after(async () => {
    await stack.close();
  });

  const post = async (body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; answer: { id: unknown; error: { code: number; message: string } } }> => {
    const res = await fetch(stack.url, { method: 'POST', headers: { ...MCP_POST_HEADERS, authorization, ...headers }, body: JSON.stringify(body) });
    return { status: res.status, answer: await res.json() as { id: unknown; error: { code: number; message: string } } };
  };

  it('an unknown session answers 404 with the id of the request that named it', async () => {
    for (const id of [9, 'req-9', 0, '', -3, 1.5]) {
      const { status, answer } = await post({ jsonrpc: '2.0', id, method: 'tasks/list', params: {} }, { 'mcp-session-id': randomUUID() });
      assert.equal(status, 404);
      assert.deepEqual(answer, { jsonrpc: '2.0', id, error: { code: -32001, message: 'session not found' } });
    }
  });

  it('a request without a session that is not an initialize answers 400 with its id', async () => {
    const { status, answer } = await post({ jsonrpc: '2.0', id: 'list-1', method: 'tasks/list', params: {} });
    assert.equal(status, 400);
    assert.equal(answer.id, 'list-1');
  });

  it('an id that is not a string or a number, or no id at all, answers id null', async () => {
    for (const id of [null, true, { n: 1 }, [1], undefined]) {
      const { status, answer } = await post({ jsonrpc: '2.0', id, method: 'tasks/list', params: {} }, { 'mcp-session-id': randomUUID() });
      assert.equal(status, 404);
      assert.equal(answer.id, null, `id ${JSON.stringify(id)}`);
    }
  });

  it('before the body is read (no token) the id is unknown: null', async () => {
    const res = await fetch(stack.url, { method: 'POST', headers: MCP_POST_HEADERS, body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tasks/list' }) });
    assert.equal(res.status, 401);
    assert.equal((await res.json() as { id: unknown }).id, null);
  });
});
