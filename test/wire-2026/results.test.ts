import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { SqliteTaskStore } from '../../src/stores/sqlite.js';
import { lifecycleCount, nowS } from '../attacks/helpers.js';
import { tempDir } from '../support/temp-policy.js';
import { waitForStatus } from '../support/stack.js';
import { mfa, resultOf, startStack2026, waitFor2026, type Stack2026 } from './support.js';

/**
 * A completed or failed task's tasks/get inlines its result, so it is also a `result` decision: step-up
 * before any payload (an RFC 9470 401 over HTTP), and a single-read result handed out exactly once, after
 * which the task is purged: "not found", byte for byte like a task that never existed.
 */

const STEP_UP_CHALLENGE = 'Bearer error="insufficient_user_authentication", acr_values="urn:example:mfa", max_age=300';

/** alice's export_data (single-read, step-up on result), finished; its status seen without touching the result. */
async function finishedExport(stack: Stack2026, rows = 4): Promise<string> {
  const legacy = await stack.connect({ sub: 'alice' });
  const taskId = resultOf(await stack.rpc({ sub: 'alice' }, 'tools/call', { name: 'export_data', arguments: { rows } }))['taskId'] as string;
  // The 2025 wire's tasks/get shows the status alone, so waiting here reads nothing.
  await waitForStatus(legacy, taskId, 'completed');
  return taskId;
}

/** Each of get, update and cancel answers `taskId` exactly as it answers a UUID that never existed. */
async function assertGone(stack: Stack2026, who: Parameters<Stack2026['rpc']>[0], taskId: string): Promise<void> {
  for (const [method, extra] of [['tasks/get', {}], ['tasks/update', { inputResponses: {} }], ['tasks/cancel', {}]] as const) {
    const gone = await stack.rpc(who, method, { taskId, ...extra }, { id: 'x' });
    const never = await stack.rpc(who, method, { taskId: randomUUID(), ...extra }, { id: 'x' });
    assert.deepEqual(gone, never, `${method}: a purged task answers otherwise than one that never existed`);
    assert.deepEqual(gone.body, { jsonrpc: '2.0', id: 'x', error: { code: -32602, message: 'task not found' } }, method);
  }
}

/** 20 concurrent gets of one finished single-read task: one inlines the result, 19 read "not found", and so does everything after. */
async function assertOneWinner(stack: Stack2026): Promise<void> {
  const taskId = await finishedExport(stack, 9);
  const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => stack.rpc(mfa(), 'tasks/get', { taskId }, { id: i })));
  const winners = replies.filter((r) => r.body.result);
  assert.equal(winners.length, 1, 'exactly one winner');
  assert.deepEqual(winners[0]?.body.result?.['result'], { resultType: 'complete', content: [{ type: 'text', text: 'exported 9 rows for alice' }], structuredContent: { rows: 9 } });
  for (const loser of replies.filter((r) => !r.body.result)) {
    assert.deepEqual(loser.body, { jsonrpc: '2.0', id: loser.body.id, error: { code: -32602, message: 'task not found' } });
  }
  assert.equal(stack.audit.filter((e) => e.kind === 'lifecycle' && e.task_id === taskId && e.event === 'result_read').length, 1);
  await assertGone(stack, mfa(), taskId);
  // Without MFA too: a purged task offers no step-up.
  await assertGone(stack, { sub: 'alice' }, taskId);
}

describe('results inlined by tasks/get', () => {
  let stack: Stack2026;
  beforeEach(async () => {
    stack = await startStack2026();
  });
  afterEach(async () => {
    await stack.close();
  });

  it('step-up on an inlined result is a 401 before any payload, and consumes nothing; fresh MFA then reads it', async () => {
    const taskId = await finishedExport(stack);
    const before = lifecycleCount(stack);
    for (const who of [{ sub: 'alice' }, { sub: 'alice', acr: 'urn:example:mfa', authTimeS: nowS() - 3600 }, { sub: 'alice', acr: 'urn:example:mfa', authTimeS: nowS() + 3600 }]) {
      const challenged = await stack.rpc(who, 'tasks/get', { taskId });
      assert.equal(challenged.status, 401, JSON.stringify(who));
      assert.equal(challenged.wwwAuthenticate, STEP_UP_CHALLENGE);
      assert.deepEqual(challenged.body, {
        jsonrpc: '2.0', id: 1,
        error: { code: -32004, message: 'step-up authentication required', data: { error: 'insufficient_user_authentication', acr_values: 'urn:example:mfa', max_age: 300 } },
      });
    }
    assert.equal(lifecycleCount(stack), before, 'a challenged get read the result');
    const read = resultOf(await stack.rpc(mfa(), 'tasks/get', { taskId }));
    assert.deepEqual(read['result'], { resultType: 'complete', content: [{ type: 'text', text: 'exported 4 rows for alice' }], structuredContent: { rows: 4 } });
    const events = stack.audit.filter((e) => e.kind === 'lifecycle' && e.task_id === taskId).map((e) => e.event);
    assert.deepEqual(events, ['created', 'status', 'result_read', 'revoked']);
  });

  it('a single-read result is handed out once: of 20 concurrent gets exactly one inlines it, the other 19 and every later request read "not found"', async () => {
    await assertOneWinner(stack);
  });

  it('a single-read result taken through 2025-11-25 tasks/result leaves the task purged on 2026-07-28', async () => {
    const taskId = await finishedExport(stack, 2);
    const legacy = await stack.connect(mfa());
    assert.deepEqual((await legacy.result(taskId)).structuredContent, { rows: 2 });
    await assertGone(stack, mfa(), taskId);
  });

  it('a result that is not single-read is inlined on every get, each a counted read', async () => {
    const taskId = resultOf(await stack.rpc({ sub: 'alice' }, 'tools/call', { name: 'convert_document', arguments: { text: 'again' } }))['taskId'] as string;
    await waitFor2026(stack, { sub: 'alice' }, taskId, 'completed');
    for (let i = 0; i < 2; i++) assert.deepEqual(resultOf(await stack.rpc({ sub: 'alice' }, 'tasks/get', { taskId }))['result'], { resultType: 'complete', content: [{ type: 'text', text: 'AGAIN' }] });
    assert.equal(stack.audit.filter((e) => e.kind === 'lifecycle' && e.task_id === taskId && e.event === 'result_read').length, 3);
  });

  it('a supervisor of the tenant may get the task, but the result it would inline is not hers: access denied, and nothing read', async () => {
    const carol = { sub: 'carol', roles: ['task-supervisor'], client: 'ops-console' };
    const taskId = resultOf(await stack.rpc({ sub: 'alice' }, 'tools/call', { name: 'convert_document', arguments: { text: 'mine' } }))['taskId'] as string;
    await waitFor2026(stack, { sub: 'alice' }, taskId, 'completed');
    const before = lifecycleCount(stack);
    assert.deepEqual((await stack.rpc(carol, 'tasks/get', { taskId })).body.error, {
      code: -32003, message: 'access denied', data: { reasons: ['client_mismatch', 'sub_mismatch'] },
    });
    assert.equal(lifecycleCount(stack), before);
    const get = stack.audit.filter((e) => e.kind === 'decision' && e.task_id === taskId && e.principal?.sub === 'carol').map((e) => [e.op, e.allow, e.delegated]);
    assert.deepEqual(get, [['get', true, true], ['result', false, false]]);
  });
});

describe('the single-read race on a durable store', () => {
  it('SQLite: of 20 concurrent gets exactly one inlines the result', async () => {
    const store = await SqliteTaskStore.open(path.join(tempDir('taskguard-2026-race-'), 'tasks.db'));
    const stack = await startStack2026({ store });
    try {
      await assertOneWinner(stack);
    } finally {
      await stack.close();
      await store.close();
    }
  });
});
