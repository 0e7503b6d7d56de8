import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { INITIALIZE, MCP_POST_HEADERS } from '../e2e/support/http.js';
import { rpcError } from '../support/rpc-error.js';
import { startStack, waitForStatus, type GuardedClient, type Stack, type StackOptions } from '../support/stack.js';

const IDLE_MS = 300;

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function start(sessions: NonNullable<NonNullable<StackOptions['host']>['sessions']>): Promise<Stack> {
  stack = await startStack({ host: { sessions } });
  return stack;
}

/** Waits (bounded) until `condition` holds: no timing is asserted, only that it happens. */
async function eventually(what: string, condition: () => boolean, limitMs = 10_000): Promise<void> {
  const until = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > until) assert.fail(`${what} did not happen within ${limitMs} ms`);
    await sleep(20);
  }
}

/** A raw POST, to see the status line, headers and body the SDK client hides. */
async function post(s: Stack, who: string, body: unknown, sessionId?: string): Promise<{ status: number; retryAfter: string | null; text: string; session: string | null }> {
  const res = await fetch(s.url, {
    method: 'POST',
    headers: { ...MCP_POST_HEADERS, authorization: `Bearer ${await s.token({ sub: who })}`, 'mcp-protocol-version': '2025-11-25', ...(sessionId ? { 'mcp-session-id': sessionId } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), text: await res.text(), session: res.headers.get('mcp-session-id') };
}

const LIST = { jsonrpc: '2.0', id: 4, method: 'tasks/list', params: {} };

/** alice on a session of her own, with a task held working at a gate until the test releases it. */
async function aliceWithHeldTask(s: Stack, text: string): Promise<{ alice: GuardedClient; taskId: string; gate: string }> {
  const alice = await s.connect({ sub: 'alice' });
  const gate = `held-${randomUUID()}`;
  const task = await alice.createTask('convert_document', { text, gate }, 60_000);
  await s.gates.started(gate);
  return { alice, taskId: task.taskId, gate };
}

describe('sessions expire when idle', () => {
  it('an idle session is reclaimed and then answered exactly like an unknown one (404)', async () => {
    const s = await start({ idleTimeoutMs: IDLE_MS });
    const alice = await s.connect({ sub: 'alice' });
    const id = alice.sessionId();
    assert.ok(id);
    assert.equal(s.host.sessions(), 1);
    await eventually('the idle session being closed', () => s.host.sessions() === 0);
    const expired = await post(s, 'alice', LIST, id);
    const unknown = await post(s, 'alice', LIST, randomUUID());
    assert.deepEqual(expired, unknown);
    assert.equal(expired.status, 404);
    assert.deepEqual(JSON.parse(expired.text), { jsonrpc: '2.0', id: 4, error: { code: -32001, message: 'session not found' } });
    // The SDK client sees the 404 that tells it to initialize again.
    await assert.rejects(alice.list(), (err) => err instanceof StreamableHTTPError && err.code === 404);
  });

  it('its tasks keep running, and their owner reaches them from a new session; a stranger still gets task not found', async () => {
    const s = await start({ idleTimeoutMs: IDLE_MS });
    const { alice, taskId, gate } = await aliceWithHeldTask(s, 'outlives its session');
    await eventually('the idle session being closed', () => s.host.sessions() === 0);
    assert.equal(s.guard.running(), 1, 'the task still runs');
    assert.equal(s.gates.aborted.has(gate), false, 'nothing stopped its work');

    const again = await s.connect({ sub: 'alice' });
    assert.notEqual(again.sessionId(), alice.sessionId());
    assert.equal((await again.getTask(taskId)).status, 'working');
    assert.deepEqual((await again.list()).tasks.map((t) => t.taskId), [taskId]);
    s.gates.release(gate);
    await waitForStatus(again, taskId, 'completed');
    assert.deepEqual((await again.result(taskId)).content, [{ type: 'text', text: 'OUTLIVES ITS SESSION' }]);

    const bob = await s.connect({ sub: 'bob' });
    const notFound = await rpcError(bob.getTask(taskId));
    assert.equal(notFound.code, -32602);
    assert.match(notFound.message, /task not found/);
  });

  it('a request in flight holds its session past the idle timeout, and any request resets the clock', async () => {
    const s = await start({ idleTimeoutMs: IDLE_MS });
    const { alice, taskId, gate } = await aliceWithHeldTask(s, 'x');
    // tasks/result blocks until the task ends: one request in flight, for several idle timeouts.
    const result = alice.result(taskId);
    await sleep(IDLE_MS * 4);
    assert.equal(s.host.sessions(), 1, 'the session expired under a request in flight');
    s.gates.release(gate);
    assert.deepEqual((await result).content, [{ type: 'text', text: 'X' }]);
    // Requests closer together than the timeout keep the session for as long as they go on.
    for (let i = 0; i < 8; i++) {
      await alice.list();
      await sleep(IDLE_MS / 3);
    }
    assert.equal(s.host.sessions(), 1);
    assert.deepEqual((await alice.list()).tasks.map((t) => t.taskId), [taskId]);
  });
});

describe('session caps', () => {
  it('past the per-principal cap a new session gets 429, -32008 and Retry-After; open sessions and other principals are unaffected', async () => {
    const s = await start({ maxPerPrincipal: 2, idleTimeoutMs: 60_000 });
    const first = await s.connect({ sub: 'alice' });
    const second = await s.connect({ sub: 'alice' });
    const refused = await post(s, 'alice', INITIALIZE);
    assert.equal(refused.status, 429);
    assert.equal(refused.session, null);
    const answer = JSON.parse(refused.text) as { id: unknown; error: { code: number; message: string; data: { scope: string; limit: number; retry_after_ms: number } } };
    assert.deepEqual({ id: answer.id, code: answer.error.code, scope: answer.error.data.scope, limit: answer.error.data.limit },
      { id: 1, code: -32008, scope: 'principal', limit: 2 });
    assert.equal(answer.error.message, 'too many open sessions for this identity (at most 2): close one or retry later');
    assert.ok(answer.error.data.retry_after_ms > 0 && answer.error.data.retry_after_ms <= 60_000, String(answer.error.data.retry_after_ms));
    assert.equal(refused.retryAfter, String(Math.ceil(answer.error.data.retry_after_ms / 1000)));

    // The SDK client gets the 429 as an error it can act on.
    await assert.rejects(s.connect({ sub: 'alice' }), (err) => err instanceof StreamableHTTPError && err.code === 429);
    assert.deepEqual((await first.list()).tasks, []);
    assert.deepEqual((await second.list()).tasks, []);
    await s.connect({ sub: 'bob' });
    await s.connect({ sub: 'alice', client: 'docs-console' });
    assert.equal(s.host.sessions(), 4);

    // Closing a session (DELETE) frees its place at once.
    const transport = second.client.transport as { terminateSession(): Promise<void> } | undefined;
    assert.ok(transport);
    await transport.terminateSession();
    assert.equal(s.host.sessions(), 3);
    await s.connect({ sub: 'alice' });
  });

  it('past the host-wide cap a new session gets 503 with scope host', async () => {
    const s = await start({ maxTotal: 2, idleTimeoutMs: 60_000 });
    const alice = await s.connect({ sub: 'alice' });
    await s.connect({ sub: 'bob' });
    const refused = await post(s, 'carol', INITIALIZE);
    assert.equal(refused.status, 503);
    assert.ok(Number(refused.retryAfter) >= 1);
    const { error } = JSON.parse(refused.text) as { error: { code: number; message: string; data: { scope: string; limit: number } } };
    assert.deepEqual({ code: error.code, message: error.message, scope: error.data.scope, limit: error.data.limit },
      { code: -32008, message: 'too many open sessions on this host (at most 2): retry later', scope: 'host', limit: 2 });
    assert.deepEqual((await alice.list()).tasks, []);
  });

  it('concurrent initializes cannot overshoot a cap', async () => {
    const s = await start({ maxPerPrincipal: 3, idleTimeoutMs: 60_000 });
    const answers = await Promise.all(Array.from({ length: 10 }, () => post(s, 'alice', INITIALIZE)));
    assert.deepEqual(answers.map((a) => a.status).sort(), [200, 200, 200, 429, 429, 429, 429, 429, 429, 429]);
    assert.equal(s.host.sessions(), 3);
  });

  it('an initialize the SDK refuses leaves no session and frees its place', async () => {
    const s = await start({ maxPerPrincipal: 1, idleTimeoutMs: 60_000 });
    const token = await s.token({ sub: 'alice' });
    const notAcceptable = await fetch(s.url, { method: 'POST', headers: { ...MCP_POST_HEADERS, accept: 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(INITIALIZE) });
    assert.equal(notAcceptable.status, 406);
    await notAcceptable.body?.cancel();
    assert.equal(s.host.sessions(), 0);
    await s.connect({ sub: 'alice' });
    assert.equal(s.host.sessions(), 1);
  });
});
