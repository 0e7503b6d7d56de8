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
    for (const id of [9, 'req-9', 0, '', -3]) {
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

  it('an id that is not a string or a number answers id null; a fractional one is still the request\'s', async () => {
    for (const id of [null, true, { n: 1 }, [1]]) {
      const { status, answer } = await post({ jsonrpc: '2.0', id, method: 'tasks/list', params: {} }, { 'mcp-session-id': randomUUID() });
      assert.deepEqual({ status, answer }, { status: 400, answer: { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'not a json-rpc message' } } }, `id ${JSON.stringify(id)}`);
    }
    const fractional = await post({ jsonrpc: '2.0', id: 1.5, method: 'tasks/list', params: {} }, { 'mcp-session-id': randomUUID() });
    assert.deepEqual({ status: fractional.status, id: fractional.answer.id }, { status: 400, id: 1.5 });
  });

  it('a notification (no id) answers id null', async () => {
    const { status, answer } = await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, { 'mcp-session-id': randomUUID() });
    assert.deepEqual({ status, id: answer.id }, { status: 404, id: null });
  });

  it('before the body is read (no token) the id is unknown: null', async () => {
    const res = await fetch(stack.url, { method: 'POST', headers: MCP_POST_HEADERS, body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tasks/list' }) });
    assert.equal(res.status, 401);
    assert.equal((await res.json() as { id: unknown }).id, null);
  });
});
