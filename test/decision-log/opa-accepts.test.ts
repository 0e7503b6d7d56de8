import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { readBundle } from '../../src/decision/bundle.js';
import { createDecider } from '../../src/decision/engine.js';
import { fixedPolicy } from '../../src/decision/policy-handle.js';
import { DecisionLog } from '../../src/decision-log/decision-log.js';
import type { EventV1 } from '../../src/decision-log/event.js';
import { configMaskRules } from '../../src/decision-log/mask.js';
import { DecisionLogCounters } from '../../src/decision-log/stats.js';
import { fileSink } from '../../src/decision-log/stream-sink.js';
import { deepMerge } from '../../src/util/merge.js';
import { freePort } from '../e2e/support/host-process.js';
import { rpcError } from '../support/rpc-error.js';
import { startStack, waitForStatus } from '../support/stack.js';
import { opa, tempDir } from '../support/temp-policy.js';
import { readEvents, startCollector, waitFor, type Collector } from './support.js';

const CHECK = path.join(import.meta.dirname, 'eventv1.rego');

/** `opa eval` of the EventV1 type check (eventv1.rego) over `events`: the violations it finds. */
function opaViolations(events: readonly unknown[]): string[] {
  const file = path.join(tempDir('taskguard-opa-check-'), 'events.json');
  writeFileSync(file, JSON.stringify(events));
  const run = spawnSync(opa, ['eval', '--format', 'json', '--strict-builtin-errors=false', '-d', CHECK, '-i', file, 'data.eventv1.violations'], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const out = JSON.parse(run.stdout) as { result: Array<{ expressions: Array<{ value: string[] }> }> };
  return out.result[0]?.expressions[0]?.value ?? ['no result'];
}

/** Events a real guard logged: every kind taskguard emits (allows, denials, a guard refusal, masked fields). */
async function taskguardEvents(): Promise<EventV1[]> {
  const data = { limits: { operations_per_minute: 6 } };
  const bundle = readBundle();
  const file = path.join(tempDir('taskguard-opa-check-'), 'decisions.jsonl');
  const counters = new DecisionLogCounters();
  const log = new DecisionLog({
    policy: fixedPolicy(createDecider(bundle, { data: deepMerge(bundle.data, data) })), labels: { id: 'h', version: 'v' },
    masks: configMaskRules({ hash: ['/input/task/id'], erase: ['/input/principal/sub'] }),
    sinks: [fileSink(file, { maxPendingBytes: 1 << 20, counters, onError: assert.fail })], maxPending: 1000, counters, onError: assert.fail,
  });
  const stack = await startStack({ data, guard: { observers: [log.observer] } });
  try {
    const alice = await stack.connect({ sub: 'alice' });
    const task = await alice.createTask('convert_document', { text: 'x' });
    await waitForStatus(alice, task.taskId, 'completed');
    const bob = await stack.connect({ sub: 'bob' });
    await rpcError(bob.getTask(task.taskId));
    for (let i = 0; i < 8; i++) await alice.call('lookup', { q: 'x' }).catch(() => undefined);
  } finally {
    await stack.close();
    await log.close();
  }
  return readEvents(file);
}

/** `opa run --server` with decision_logs to `collector`; resolves once it answers. */
async function startOpa(collector: Collector): Promise<{ url: string; child: ChildProcess }> {
  const dir = tempDir('taskguard-opa-run-');
  writeFileSync(path.join(dir, 'example.rego'), 'package example\n\ndefault allow := false\n\nallow if input.user == "alice"\n');
  const port = await freePort();
  const child = spawn(opa, [
    'run', '--server', '--disable-telemetry', '--addr', `127.0.0.1:${port}`,
    '--set', `services.collector.url=${collector.url}`, '--set', 'decision_logs.service=collector',
    '--set', 'decision_logs.reporting.min_delay_seconds=1', '--set', 'decision_logs.reporting.max_delay_seconds=1',
    '--set', 'labels.app=probe', path.join(dir, 'example.rego'),
  ], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 15_000;
  for (;;) {
    const ok = await fetch(`${url}/health`).then((r) => r.ok, () => false);
    if (ok) return { url, child };
    if (Date.now() > until) throw new Error('opa run did not answer /health');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('decision log events are accepted by opa where it can check them', () => {
  let collector: Collector;
  let opaRun: { url: string; child: ChildProcess } | undefined;
  before(async () => {
    collector = await startCollector();
  });
  after(async () => {
    opaRun?.child.kill('SIGKILL');
    await collector.close();
  });

  it('the check is not vacuous: opa finds each kind of wrong field', () => {
    assert.deepEqual(opaViolations([{ labels: { a: 1 }, decision_id: 'x', timestamp: 'yesterday', extra: 1, metrics: { m: 'x' }, erased: [1] }]).sort(), [
      'event 0: decision_id is not a uuid', 'event 0: erased is not a list of strings', 'event 0: label a is not a string',
      'event 0: metric m is not a number', 'event 0: timestamp is not RFC 3339', 'event 0: unknown field extra',
    ]);
  });

  it('an event uploaded by a real opa run passes the check, and so does every event taskguard logged', async () => {
    opaRun = await startOpa(collector);
    const answer = await fetch(`${opaRun.url}/v1/data/example/allow`, { method: 'POST', body: JSON.stringify({ input: { user: 'alice' } }) });
    assert.equal(answer.status, 200);
    const [opaEvent] = await waitFor('opa\'s upload', () => (collector.events().length > 0 ? collector.events() : undefined));
    assert.ok(opaEvent);
    assert.equal(opaEvent.path, 'example/allow');
    assert.deepEqual(opaViolations([opaEvent]), []);

    const ours = await taskguardEvents();
    const kinds = new Set(ours.map((e) => `${e.custom?.taskguard.decided_by}:${(e.result as { allow: boolean }).allow}`));
    assert.deepEqual([...kinds].sort(), ['guard:false', 'policy:false', 'policy:true']);
    assert.ok(ours.some((e) => e.erased && e.masked));
    assert.deepEqual(opaViolations(ours), []);
    // Every field taskguard sets is one this OPA event carries, or one its struct declares for what this
    // probe does not do (a policy from a bundle, masking, custom fields).
    const opaFields = new Set(Object.keys(opaEvent));
    assert.deepEqual([...new Set(ours.flatMap((e) => Object.keys(e)))].filter((k) => !opaFields.has(k)).sort(), ['bundles', 'custom', 'erased', 'masked']);
  });
});
