import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { INITIALIZE, MCP_POST_HEADERS, rawRequest, type RawResponse } from '../e2e/support/http.js';
import { startStack, type Stack } from '../support/stack.js';
import { TO_TRANSPORT, type DirectAnswerer } from '../../src/wire/v2025/direct.js';

/**
 * The host answers plain tasks/get, tasks/list, tasks/cancel, task-augmented tools/call and (for a client
 * without elicitation) tasks/result itself, outside the SDK's transport (src/wire/v2025/direct.ts). Each case
 * sends one request twice: plain, and with `_meta: {}` in its params, which the direct path leaves to the
 * SDK's transport and Protocol. The answers must be the same message on the same kind of stream. Which path
 * answered is counted on the guard's `answer` (the host asks it per request; a promise means it answered).
 */
describe('task requests the host answers itself, against the same requests through the SDK', () => {
  let stack: Stack;
  let alice: string;
  let bob: string;
  let aliceSession: string;
  let bobSession: string;
  let nextId = 100;
  let directAnswers = 0;

  const openSession = async (token: string, capabilities: Record<string, unknown> = {}): Promise<string> => {
    const initialize = { ...INITIALIZE, params: { ...INITIALIZE.params, capabilities } };
    const init = await rawRequest({ url: stack.url, method: 'POST', headers: { ...MCP_POST_HEADERS, authorization: `Bearer ${token}` }, body: JSON.stringify(initialize) });
    assert.equal(init.status, 200);
    const session = String(init.headers['mcp-session-id']);
    const initialized = await rawRequest({
      url: stack.url, method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
      headers: { ...MCP_POST_HEADERS, authorization: `Bearer ${token}`, 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' },
    });
    assert.equal(initialized.status, 202);
    return session;
  };

  before(async () => {
    stack = await startStack();
    alice = await stack.token({ sub: 'alice' });
    bob = await stack.token({ sub: 'bob' });
    aliceSession = await openSession(alice);
    bobSession = await openSession(bob);
    const answer = stack.guard.answer;
    (stack.guard as { answer: DirectAnswerer }).answer = (message, authInfo, session) => answer(message, authInfo, session)?.then((answered) => {
      if (answered !== TO_TRANSPORT) directAnswers += 1;
      return answered;
    });
  });
  after(async () => {
    await stack.close();
  });

  interface Exchange {
    status: number;
    contentType: string | undefined;
    sessionHeader: string | undefined;
    /** The SSE events' data, parsed. */
    messages: Array<Record<string, unknown>>;
  }

  const exchangeOf = (res: RawResponse): Exchange => ({
    status: res.status,
    contentType: res.headers['content-type'],
    sessionHeader: res.headers['mcp-session-id'] as string | undefined,
    messages: res.body.split('\n\n').flatMap((event) => event.split('\n').filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6)) as Record<string, unknown>)),
  });

  /** One exchange, and whether the host answered it itself. */
  const post = async (token: string, session: string, body: unknown): Promise<Exchange & { direct: boolean }> => {
    const before = directAnswers;
    const res = await rawRequest({
      url: stack.url, method: 'POST', body: JSON.stringify(body),
      headers: { ...MCP_POST_HEADERS, authorization: `Bearer ${token}`, 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' },
    });
    return { ...exchangeOf(res), direct: directAnswers > before };
  };

  /** The request both ways (same id): plain, then with `_meta: {}` so that the SDK answers it. */
  const bothWays = async (method: string, params: Record<string, unknown>, who: { token: string; session: string } = { token: alice, session: aliceSession }) => {
    const id = nextId++;
    const direct = await post(who.token, who.session, { jsonrpc: '2.0', id, method, params });
    const sdk = await post(who.token, who.session, { jsonrpc: '2.0', id, method, params: { ...params, _meta: {} } });
    assert.equal(direct.direct, true, `${method}: the host answered it`);
    assert.equal(sdk.direct, false, `${method} with _meta: the SDK answered it`);
    assert.deepEqual(
      { status: direct.status, contentType: direct.contentType, sessionHeader: direct.sessionHeader, count: direct.messages.length },
      { status: sdk.status, contentType: sdk.contentType, sessionHeader: sdk.sessionHeader, count: sdk.messages.length },
    );
    assert.equal(direct.messages.length, 1);
    return { direct: direct.messages[0] as Record<string, unknown>, sdk: sdk.messages[0] as Record<string, unknown> };
  };

  const createTask = async (tool: string, args: Record<string, unknown>): Promise<string> => {
    const answer = await post(alice, aliceSession, { jsonrpc: '2.0', id: nextId++, method: 'tools/call', params: { name: tool, arguments: args, task: { ttl: 60_000 } } });
    const task = (answer.messages[0]?.['result'] as { task?: { taskId?: string } } | undefined)?.task;
    assert.ok(task?.taskId, JSON.stringify(answer.messages));
    return task.taskId;
  };

  /** Polls until the task has completed (the tools here finish within milliseconds). */
  const completed = async (token: string, session: string, taskId: string): Promise<void> => {
    for (let i = 0; i < 200; i++) {
      const got = await post(token, session, { jsonrpc: '2.0', id: nextId++, method: 'tasks/get', params: { taskId } });
      if ((got.messages[0]?.['result'] as { status?: string } | undefined)?.status === 'completed') return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.fail(`task ${taskId} did not complete`);
  };

  /** A task's fields that differ between two tasks made the same way. */
  const sameShape = (answer: Record<string, unknown>): unknown => JSON.parse(JSON.stringify(answer, (key, value: unknown) =>
    (['taskId', 'createdAt', 'lastUpdatedAt'].includes(key) ? typeof value : value)));

  it('tasks/get of an own task: the same answer', async () => {
    const taskId = await createTask('convert_document', { text: 'get me', gate: 'direct-get' });
    const { direct, sdk } = await bothWays('tasks/get', { taskId });
    assert.deepEqual(direct, sdk);
    assert.equal((direct['result'] as { status: string }).status, 'working');
    stack.gates.release('direct-get');
  });

  it('tasks/get of a missing task, of another\'s, and with a taskId that is no string: the same errors', async () => {
    const bobsTask = (await post(bob, bobSession, { jsonrpc: '2.0', id: nextId++, method: 'tools/call', params: { name: 'convert_document', arguments: { text: 'b' }, task: {} } })).messages[0];
    const bobsTaskId = ((bobsTask?.['result'] as { task: { taskId: string } }).task).taskId;
    for (const params of [{ taskId: 'no-such-task' }, { taskId: bobsTaskId }, { taskId: 5 }, {}]) {
      const { direct, sdk } = await bothWays('tasks/get', params);
      assert.deepEqual(direct, sdk, JSON.stringify(params));
      assert.ok(direct['error'], JSON.stringify(direct));
    }
    // Another's task is answered exactly like a missing one, on either path.
    const missing = await bothWays('tasks/get', { taskId: 'no-such-task' });
    const foreign = await bothWays('tasks/get', { taskId: bobsTaskId });
    assert.equal((foreign.direct['error'] as { code: number }).code, (missing.direct['error'] as { code: number }).code);
  });

  it('tasks/list: the same page', async () => {
    const { direct, sdk } = await bothWays('tasks/list', {});
    assert.deepEqual(direct, sdk);
    assert.ok(((direct['result'] as { tasks: unknown[] }).tasks).length > 0);
    const badCursor = await bothWays('tasks/list', { cursor: 7 });
    assert.deepEqual(badCursor.direct, badCursor.sdk);
  });

  it('tools/call with a task: the same kind of answer, and the same refusals', async () => {
    const { direct, sdk } = await bothWays('tools/call', { name: 'convert_document', arguments: { text: 'twice' }, task: { ttl: 60_000 } });
    assert.deepEqual(sameShape(direct), sameShape(sdk));
    assert.equal(((direct['result'] as { task: { status: string } }).task).status, 'working');
    for (const params of [
      { name: 'convert_document', arguments: { text: 'x' }, task: { ttl: 1.5 } },
      { name: 'convert_document', arguments: { text: 'x' }, task: { ttl: 0 } },
      { name: 'no_such_tool', arguments: {}, task: {} },
      { name: 'lookup', arguments: { q: 'x' }, task: {} },
      { name: 'convert_document', arguments: { text: 5 }, task: {} },
      { name: 'convert_document', arguments: { text: 'x' }, task: null },
    ]) {
      const refused = await bothWays('tools/call', params);
      assert.deepEqual(refused.direct, refused.sdk, JSON.stringify(params));
      assert.ok(refused.direct['error'] ?? (refused.direct['result'] as { isError?: boolean }).isError, JSON.stringify(refused.direct));
    }
  });

  it('a plain tools/call (no task) stays with the SDK', async () => {
    const answer = await post(alice, aliceSession, { jsonrpc: '2.0', id: nextId++, method: 'tools/call', params: { name: 'lookup', arguments: { q: 'plain' } } });
    assert.equal(answer.direct, false);
    assert.deepEqual((answer.messages[0]?.['result'] as { content: unknown }).content, [{ type: 'text', text: 'answer to plain' }]);
  });

  it('tasks/cancel: the same answer for two tasks alike, and the same refusal for a finished one', async () => {
    const first = await createTask('convert_document', { text: 'c1', gate: 'direct-cancel-1' });
    const second = await createTask('convert_document', { text: 'c2', gate: 'direct-cancel-2' });
    const id = nextId++;
    const direct = await post(alice, aliceSession, { jsonrpc: '2.0', id, method: 'tasks/cancel', params: { taskId: first } });
    const sdk = await post(alice, aliceSession, { jsonrpc: '2.0', id, method: 'tasks/cancel', params: { taskId: second, _meta: {} } });
    assert.deepEqual([direct.direct, sdk.direct], [true, false]);
    assert.deepEqual(sameShape(direct.messages[0] as Record<string, unknown>), sameShape(sdk.messages[0] as Record<string, unknown>));
    assert.equal((direct.messages[0]?.['result'] as { status: string }).status, 'cancelled');
    const again = await bothWays('tasks/cancel', { taskId: first });
    assert.deepEqual(again.direct, again.sdk);
    assert.ok(again.direct['error']);
  });

  it('tasks/result of a finished task: the same result', async () => {
    const first = await createTask('convert_document', { text: 'same result' });
    const second = await createTask('convert_document', { text: 'same result' });
    const id = nextId++;
    const direct = await post(alice, aliceSession, { jsonrpc: '2.0', id, method: 'tasks/result', params: { taskId: first } });
    const sdk = await post(alice, aliceSession, { jsonrpc: '2.0', id, method: 'tasks/result', params: { taskId: second, _meta: {} } });
    assert.deepEqual([direct.direct, sdk.direct], [true, false]);
    assert.deepEqual(sameShape(direct.messages[0] as Record<string, unknown>), sameShape(sdk.messages[0] as Record<string, unknown>));
    assert.deepEqual((direct.messages[0]?.['result'] as { content: unknown }).content, [{ type: 'text', text: 'SAME RESULT' }]);
  });

  it('a waiting tasks/result answers when the task ends, and nothing once the client cancels it', async () => {
    const taskId = await createTask('convert_document', { text: 'wait for me', gate: 'direct-wait' });
    await stack.gates.started('direct-wait');
    const waiting = post(alice, aliceSession, { jsonrpc: '2.0', id: 'wait-1', method: 'tasks/result', params: { taskId } });
    // The answer's stream is open before the task ends; the request waits on it.
    await new Promise((resolve) => setTimeout(resolve, 100));
    stack.gates.release('direct-wait');
    const answered = await waiting;
    assert.equal(answered.direct, true);
    assert.deepEqual((answered.messages[0]?.['result'] as { content: unknown }).content, [{ type: 'text', text: 'WAIT FOR ME' }]);

    const held = await createTask('convert_document', { text: 'never mind', gate: 'direct-cancelled' });
    await stack.gates.started('direct-cancelled');
    const cancelled = post(alice, aliceSession, { jsonrpc: '2.0', id: 'wait-2', method: 'tasks/result', params: { taskId: held } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const notified = await post(alice, aliceSession, { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'wait-2', reason: 'test' } });
    assert.equal(notified.status, 202);
    const ended = await cancelled;
    assert.deepEqual({ status: ended.status, messages: ended.messages }, { status: 200, messages: [] });
    // Cancelling the request is not cancelling the task: it still runs, and its result can still be read.
    stack.gates.release('direct-cancelled');
    const later = await post(alice, aliceSession, { jsonrpc: '2.0', id: 'wait-3', method: 'tasks/result', params: { taskId: held } });
    assert.deepEqual((later.messages[0]?.['result'] as { content: unknown }).content, [{ type: 'text', text: 'NEVER MIND' }]);
  });

  it('a waiting tasks/result ends, answering nothing, when its session ends', async () => {
    const session = await openSession(alice);
    const taskId = (await post(alice, session, { jsonrpc: '2.0', id: nextId++, method: 'tools/call', params: { name: 'convert_document', arguments: { text: 'x', gate: 'direct-session-end' }, task: {} } }))
      .messages[0]?.['result'] as { task: { taskId: string } };
    await stack.gates.started('direct-session-end');
    const waiting = post(alice, session, { jsonrpc: '2.0', id: 'wait-end', method: 'tasks/result', params: { taskId: taskId.task.taskId } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const deleted = await rawRequest({ url: stack.url, method: 'DELETE', headers: { authorization: `Bearer ${alice}`, 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' } });
    assert.equal(deleted.status, 200);
    const ended = await waiting;
    assert.deepEqual({ status: ended.status, messages: ended.messages, direct: ended.direct }, { status: 200, messages: [], direct: true });
    // The task is the principal's, not the session's: it runs on, and its result is read on another session.
    stack.gates.release('direct-session-end');
    const later = await post(alice, aliceSession, { jsonrpc: '2.0', id: 'after-end', method: 'tasks/result', params: { taskId: taskId.task.taskId } });
    assert.deepEqual((later.messages[0]?.['result'] as { content: unknown }).content, [{ type: 'text', text: 'X' }]);
  });

  it('a client with elicitation: the result of its own finished task is answered here, anything else by the SDK', async () => {
    const eliciting = await openSession(alice, { elicitation: { form: {} } });
    const created = async (text: string, gate?: string): Promise<string> => ((await post(alice, eliciting, {
      jsonrpc: '2.0', id: nextId++, method: 'tools/call', params: { name: 'convert_document', arguments: { text, ...(gate ? { gate } : {}) }, task: {} },
    })).messages[0]?.['result'] as { task: { taskId: string } }).task.taskId;
    const first = await created('mine');
    const second = await created('mine');
    await completed(alice, eliciting, first);
    await completed(alice, eliciting, second);
    const id = nextId++;
    const direct = await post(alice, eliciting, { jsonrpc: '2.0', id, method: 'tasks/result', params: { taskId: first } });
    const sdk = await post(alice, eliciting, { jsonrpc: '2.0', id, method: 'tasks/result', params: { taskId: second, _meta: {} } });
    assert.deepEqual([direct.direct, sdk.direct], [true, false]);
    assert.deepEqual(sameShape(direct.messages[0] as Record<string, unknown>), sameShape(sdk.messages[0] as Record<string, unknown>));

    // Still working: it may yet ask, so the SDK's transport serves it (and answers once the task ends).
    const working = await created('later', 'direct-eliciting');
    await stack.gates.started('direct-eliciting');
    const waiting = post(alice, eliciting, { jsonrpc: '2.0', id: 'elicit-wait', method: 'tasks/result', params: { taskId: working } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    stack.gates.release('direct-eliciting');
    const answered = await waiting;
    assert.equal(answered.direct, false);
    assert.deepEqual((answered.messages[0]?.['result'] as { content: unknown }).content, [{ type: 'text', text: 'LATER' }]);

    // Bob's finished task and a missing one take the same path, with the same answer.
    const bobs = ((await post(bob, bobSession, { jsonrpc: '2.0', id: nextId++, method: 'tools/call', params: { name: 'convert_document', arguments: { text: 'b' }, task: {} } }))
      .messages[0]?.['result'] as { task: { taskId: string } }).task.taskId;
    await completed(bob, bobSession, bobs);
    const foreign = await post(alice, eliciting, { jsonrpc: '2.0', id: 'x', method: 'tasks/result', params: { taskId: bobs } });
    const missing = await post(alice, eliciting, { jsonrpc: '2.0', id: 'x', method: 'tasks/result', params: { taskId: 'no-such-task' } });
    assert.deepEqual([foreign.direct, missing.direct], [false, false]);
    assert.deepEqual((foreign.messages[0]?.['error'] as { code: number }).code, (missing.messages[0]?.['error'] as { code: number }).code);
  });

  it('the audit log records the same decisions either way', async () => {
    const taskId = await createTask('convert_document', { text: 'audited' });
    const decisionsFor = (): Array<{ op: string | undefined; allow: boolean | undefined; reasons: readonly string[] | undefined }> => stack.audit
      .filter((e) => e.kind === 'decision' && e.task_id === taskId)
      .map((e) => ({ op: e.op, allow: e.allow, reasons: e.reasons }));
    const before = decisionsFor().length;
    await bothWays('tasks/get', { taskId });
    const two = decisionsFor().slice(before);
    assert.equal(two.length, 2);
    assert.deepEqual(two[0], two[1]);
    assert.deepEqual([two[0]?.op, two[0]?.allow], ['get', true]);
  });
});
