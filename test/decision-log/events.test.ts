import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { readBundle } from '../../src/decision/bundle.js';
import { createDecider } from '../../src/decision/engine.js';
import { fixedPolicy } from '../../src/decision/policy-handle.js';
import { DecisionLog } from '../../src/decision-log/decision-log.js';
import { configMaskRules, digestOf } from '../../src/decision-log/mask.js';
import { DecisionLogCounters } from '../../src/decision-log/stats.js';
import { fileSink } from '../../src/decision-log/stream-sink.js';
import { DEFAULT_HASHED } from '../../src/decision-log/config.js';
import { OPERATIONS } from '../../src/decision/types.js';
import { deepMerge } from '../../src/util/merge.js';
import { rpcError } from '../support/rpc-error.js';
import { startStack, waitForStatus, type Stack } from '../support/stack.js';
import { tempDir } from '../support/temp-policy.js';
import { assertEventV1, readEvents } from './support.js';

const MFA = 'urn:example:mfa';

/**
 * A DecisionLog writing to a file, as the host builds one, over the policy the stack decides with (the
 * committed bundle, `data` merged over its data): the log reads the guard's snapshot, as in the host.
 */
function fileLog(data?: Record<string, unknown>): { log: DecisionLog; file: string; counters: DecisionLogCounters } {
  const bundle = readBundle();
  const file = path.join(tempDir('taskguard-declog-'), 'decisions.jsonl');
  const counters = new DecisionLogCounters();
  const log = new DecisionLog({
    policy: fixedPolicy(createDecider(bundle, data ? { data: deepMerge(bundle.data, data) } : {})),
    labels: { id: 'host-1', version: '0.0.0-test', app: 'taskguard' },
    masks: configMaskRules({ hash: DEFAULT_HASHED, erase: [] }),
    sinks: [fileSink(file, { maxPendingBytes: 1 << 20, counters, onError: (line) => assert.fail(line) })],
    maxPending: 10_000,
    counters,
    onError: (line) => assert.fail(line),
  });
  return { log, file, counters };
}

describe('decision log events from a real guard over HTTP, one per decision, in EventV1', () => {
  let stack: Stack;
  let logged: ReturnType<typeof fileLog>;
  before(async () => {
    logged = fileLog();
    stack = await startStack({ guard: { observers: [logged.log.observer] } });
  });
  after(async () => {
    await stack.close();
    await logged.log.close();
  });

  it('every operation: the event carries the audit record\'s decision_id, the input and result, the task id hashed', async () => {
    const alice = await stack.connect({ sub: 'alice', acr: MFA, authTimeS: Math.floor(Date.now() / 1000) - 10 }, {
      onElicit: () => ({ action: 'accept', content: { approve: true } }),
    });
    const task = await alice.createTask('export_data', { rows: 2 });
    await waitForStatus(alice, task.taskId, 'completed');
    await alice.result(task.taskId);
    await alice.list();
    await alice.call('lookup', { q: 'x' });
    const chained = await alice.createTask('run_workflow', { steps: [{ tool: 'lookup', args: { q: 'q1' } }] });
    await waitForStatus(alice, chained.taskId, 'completed');
    const held = await alice.createTask('export_data', { rows: 1, gate: 'held' });
    await alice.cancel(held.taskId);
    const asking = await alice.createTask('approve_publication', { title: 'q4' });
    await waitForStatus(alice, asking.taskId, 'input_required');
    await alice.result(asking.taskId);

    await logged.log.flush();
    const events = readEvents(logged.file);
    const decisions = stack.audit.filter((e) => e.kind === 'decision');
    assert.deepEqual(events.map((e) => e.decision_id).sort(), decisions.map((e) => e.decision_id).sort(), 'one event per audited decision, same ids');
    assert.deepEqual([...new Set(events.map((e) => e.custom?.taskguard.op))].sort(), [...OPERATIONS].sort(), 'every operation was logged');
    for (const event of events) {
      assertEventV1(event);
      const audited = decisions.find((d) => d.decision_id === event.decision_id);
      assert.equal((event.result as { allow: boolean }).allow, audited?.allow);
      assert.deepEqual((event.result as { reasons: string[] }).reasons, audited?.reasons);
      assert.equal(event.bundles?.['taskguard']?.revision, audited?.policy_revision);
      assert.equal(event.custom?.taskguard.data_revision, audited?.data_revision);
      assert.deepEqual(event.labels, { app: 'taskguard', id: 'host-1', version: '0.0.0-test' });
      const input = event.input as { task?: { id: string }; principal: { sub: string } };
      assert.equal(input.principal.sub, 'alice', 'not configured to be masked');
      if (input.task) {
        assert.equal(audited?.task_id !== null && input.task.id === digestOf(audited?.task_id), true, 'the task id is hashed');
        assert.deepEqual(event.masked, ['/input/task/id']);
      } else {
        assert.equal(event.masked, undefined);
      }
    }
    const raw = JSON.stringify(events);
    for (const id of [task.taskId, chained.taskId, held.taskId, asking.taskId]) assert.ok(!raw.includes(id), 'a task id left the host');
  });
});

describe('a refusal the guard made itself is an event too', () => {
  let stack: Stack;
  let logged: ReturnType<typeof fileLog>;
  before(async () => {
    const data = { limits: { operations_per_minute: 1 } };
    logged = fileLog(data);
    stack = await startStack({ data, guard: { observers: [logged.log.observer] } });
  });
  after(async () => {
    await stack.close();
    await logged.log.close();
  });

  it('rate_limited: result allow false with the reason, decided_by guard, no input, same decision_id as the audit record', async () => {
    const bob = await stack.connect({ sub: 'bob' });
    await bob.call('lookup', { q: 'a' });
    await rpcError(bob.call('lookup', { q: 'b' }));
    await logged.log.flush();
    const refusal = stack.audit.find((e) => e.kind === 'decision' && e.reasons?.[0] === 'rate_limited');
    assert.ok(refusal);
    const event = readEvents(logged.file).find((e) => e.decision_id === refusal.decision_id);
    assert.ok(event, 'the refusal was not logged');
    assertEventV1(event);
    assert.deepEqual(event.result, { allow: false, reasons: ['rate_limited'], delegated: false });
    assert.deepEqual(event.custom?.taskguard, { decided_by: 'guard', op: 'call', data_revision: refusal.data_revision });
    assert.equal(event.bundles?.['taskguard']?.revision, refusal.policy_revision);
  });
});
