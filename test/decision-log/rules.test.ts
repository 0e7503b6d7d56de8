import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { LOG_ENTRYPOINTS, DECISION_ENTRYPOINT, readBundle, type PolicyBundle } from '../../src/decision/bundle.js';
import { createDecider, loadDecider } from '../../src/decision/engine.js';
import { fixedPolicy } from '../../src/decision/policy-handle.js';
import { DecisionLog } from '../../src/decision-log/decision-log.js';
import { configMaskRules, digestOf } from '../../src/decision-log/mask.js';
import { DecisionLogCounters } from '../../src/decision-log/stats.js';
import { fileSink } from '../../src/decision-log/stream-sink.js';
import { defaultPolicyDir } from '../../src/util/paths.js';
import { startStack, waitForStatus, type Stack } from '../support/stack.js';
import { buildTempBundle, tempDir } from '../support/temp-policy.js';
import { assertEventV1, readEvents } from './support.js';

/** The committed policy sources plus `extra`, compiled by `taskguard build` with the pinned opa. */
function bundleWith(extra: Record<string, string>): PolicyBundle {
  const files: Record<string, string> = {};
  for (const name of readdirSync(defaultPolicyDir)) {
    if ((name.endsWith('.rego') && !name.endsWith('_test.rego')) || name === 'data.yaml') files[name] = readFileSync(path.join(defaultPolicyDir, name), 'utf8');
  }
  return buildTempBundle({ ...files, ...extra });
}

interface Logged {
  stack: Stack;
  log: DecisionLog;
  file: string;
  counters: DecisionLogCounters;
  errors: string[];
}

async function stackLogging(bundle: PolicyBundle): Promise<Logged> {
  const file = path.join(tempDir('taskguard-declog-rules-'), 'decisions.jsonl');
  const counters = new DecisionLogCounters();
  const errors: string[] = [];
  const log = new DecisionLog({
    policy: fixedPolicy(createDecider(bundle)), labels: { id: 'h', version: 'v' }, masks: configMaskRules({ hash: ['/input/task/id'], erase: [] }),
    sinks: [fileSink(file, { maxPendingBytes: 1 << 20, counters, onError: (l) => errors.push(l) })], maxPending: 10_000, counters, onError: (l) => errors.push(l),
  });
  const stack = await startStack({ bundle, guard: { observers: [log.observer] } });
  return { stack, log, file, counters, errors };
}

async function someTraffic(stack: Stack): Promise<void> {
  const alice = await stack.connect({ sub: 'alice' });
  const task = await alice.createTask('convert_document', { text: 'x' });
  await waitForStatus(alice, task.taskId, 'completed');
  await alice.result(task.taskId);
  await alice.call('lookup', { q: 'x' });
}

const MASK_AND_DROP = `package taskguard.log

# Polling dominates the volume; an operator drops allowed gets.
drop if {
  input.input.op == "get"
  input.result.allow
}

mask contains "/input/principal/acr"

mask contains {"op": "upsert", "path": "/input/principal/sub", "value": "**REDACTED**"}
`;

describe('taskguard build compiles taskguard.log mask and drop beside the decision', () => {
  it('the wasm and OPA\'s .manifest carry the log entrypoints when the sources define them, and only then', () => {
    const bundle = bundleWith({ 'log.rego': MASK_AND_DROP });
    assert.deepEqual([...createDecider(bundle).entrypoints].sort(), [DECISION_ENTRYPOINT, LOG_ENTRYPOINTS.drop, LOG_ENTRYPOINTS.mask].sort());
    const manifest = JSON.parse(readFileSync(path.join(bundle.dir, '.manifest'), 'utf8')) as { wasm: Array<{ entrypoint: string }> };
    assert.deepEqual(manifest.wasm.map((w) => w.entrypoint), [DECISION_ENTRYPOINT, LOG_ENTRYPOINTS.mask, LOG_ENTRYPOINTS.drop]);
    assert.deepEqual(loadDecider().entrypoints, [DECISION_ENTRYPOINT], 'the committed bundle has no log rules');
    const onlyDrop = bundleWith({ 'log.rego': 'package taskguard.log\n\ndrop if input.input.op == "list"\n' });
    assert.deepEqual([...createDecider(onlyDrop).entrypoints].sort(), [DECISION_ENTRYPOINT, LOG_ENTRYPOINTS.drop].sort());
    assert.deepEqual(readBundle(onlyDrop.dir).manifest.entrypoint, DECISION_ENTRYPOINT);
  });
});

describe('Rego mask and drop rules, through the compiled wasm, on a real guard', () => {
  let logged: Logged;
  before(async () => {
    logged = await stackLogging(bundleWith({ 'log.rego': MASK_AND_DROP }));
  });
  after(async () => {
    await logged.stack.close();
    await logged.log.close();
  });

  it('drop removes allowed gets; mask erases and upserts as OPA does; the default task-id hash still applies', async () => {
    await someTraffic(logged.stack);
    await logged.log.flush();
    const events = readEvents(logged.file);
    const audited = logged.stack.audit.filter((e) => e.kind === 'decision');
    const allowedGets = audited.filter((e) => e.op === 'get' && e.allow).length;
    assert.ok(allowedGets > 0);
    assert.equal(logged.counters.dropped.drop_rule, allowedGets);
    assert.equal(events.length, audited.length - allowedGets);
    assert.equal(events.filter((e) => e.custom?.taskguard.op === 'get' && (e.result as { allow: boolean }).allow).length, 0);
    for (const event of events) {
      assertEventV1(event);
      const input = event.input as { principal: Record<string, unknown>; task?: { id: string } };
      assert.equal(input.principal['sub'], '**REDACTED**');
      assert.equal('acr' in input.principal, false);
      assert.deepEqual(event.erased, ['/input/principal/acr']);
      assert.deepEqual(event.masked, input.task ? ['/input/principal/sub', '/input/task/id'] : ['/input/principal/sub']);
      if (input.task) assert.match(input.task.id, /^sha256:/);
    }
    assert.deepEqual(logged.errors, []);
  });
});

const FAILING_MASKS: Array<[string, string]> = [
  ['a mask that answers something other than pointers', 'package taskguard.log\n\nmask contains 42\n'],
  ['a mask pointer outside input and result', 'package taskguard.log\n\nmask contains "/labels/id"\n'],
  // Two values for one complete rule: a conflict error at evaluation, which the wasm raises as a trap.
  ['a mask that traps', 'package taskguard.log\n\nmask := ["/input/op"] if input.input.op\n\nmask := ["/input/now_ms"] if input.input.now_ms\n'],
];

for (const [name, rego] of FAILING_MASKS) {
  describe(`${name}: the event is dropped and counted, never logged unmasked`, () => {
    let logged: Logged;
    before(async () => {
      logged = await stackLogging(bundleWith({ 'log.rego': rego }));
    });
    after(async () => {
      await logged.stack.close();
      await logged.log.close();
    });

    it('decisions are answered as ever; nothing is written; mask_failed counts every event; one line for the operator', async () => {
      await someTraffic(logged.stack);
      await logged.log.flush();
      const decisions = logged.stack.audit.filter((e) => e.kind === 'decision').length;
      assert.ok(decisions >= 4);
      assert.deepEqual(readEvents(logged.file), []);
      assert.equal(logged.counters.dropped.mask_failed, decisions);
      assert.equal(logged.counters.logged, 0);
      assert.equal(logged.errors.length, 1);
      assert.match(logged.errors[0] as string, /^decision log: event dropped \(mask_failed\): mask rule failed: /);
    });
  });
}

describe('a mask that traps on some events only', () => {
  let logged: Logged;
  before(async () => {
    logged = await stackLogging(bundleWith({
      'log.rego': 'package taskguard.log\n\nmask := ["/input/tool"] if input.input.op == "call"\n\nmask := ["/input/request"] if input.input.op == "call"\n\nmask := ["/input/principal/acr"] if input.input.op != "call"\n',
    }));
  });
  after(async () => {
    await logged.stack.close();
    await logged.log.close();
  });

  it('drops those and masks the rest on a fresh instance', async () => {
    await someTraffic(logged.stack);
    await logged.log.flush();
    const events = readEvents(logged.file);
    const audited = logged.stack.audit.filter((e) => e.kind === 'decision');
    assert.equal(logged.counters.dropped.mask_failed, audited.filter((e) => e.op === 'call').length);
    assert.equal(events.length, audited.filter((e) => e.op !== 'call').length);
    for (const event of events) assert.deepEqual(event.erased, ['/input/principal/acr']);
    const created = events.find((e) => e.custom?.taskguard.op === 'create');
    assert.ok(created);
    assert.equal(((created.input as { task?: { id: string } }).task), undefined, 'create has no task yet');
    assert.ok(events.some((e) => (e.input as { task?: { id: string } }).task?.id === digestOf(logged.stack.audit.find((a) => a.op === 'get')?.task_id)));
  });
});
