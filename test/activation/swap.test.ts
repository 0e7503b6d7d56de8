// A policy swapped under a running guard: real SDK clients over Streamable HTTP, the committed wasm, and
// snapshots swapped through the activator exactly as the reference host does.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ToolListChangedNotificationSchema, ListToolsResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { PolicyActivator } from '../../src/activation/activator.js';
import { readBundle } from '../../src/decision/bundle.js';
import { createDecider, type Decider } from '../../src/decision/engine.js';
import { SwappablePolicy } from '../../src/decision/policy-handle.js';
import { deepMerge } from '../../src/util/merge.js';
import { startStack, waitForStatus, type Stack } from '../support/stack.js';
import { rpcError } from '../support/rpc-error.js';

const bundle = readBundle();
const snapshot = (data: Record<string, unknown>): Decider => createDecider(bundle, { data: deepMerge(bundle.data, data) });

describe('a policy activated under a running guard', () => {
  let stack: Stack;
  let policy: SwappablePolicy;
  let activator: PolicyActivator;
  const lines: string[] = [];
  before(async () => {
    policy = new SwappablePolicy(snapshot({}));
    stack = await startStack({ policy });
    activator = new PolicyActivator({ handle: policy, audit: { append: (e) => void stack.audit.push(structuredClone(e) as never) }, log: (l) => void lines.push(l) });
  });
  after(async () => {
    await stack.close();
  });

  it('lets a running task finish, and decisions after the swap carry the new revision', async () => {
    const alice = await stack.connect({ sub: 'alice' });
    const task = await alice.createTask('convert_document', { text: 'abc', gate: 'swap-running' });
    await stack.gates.started('swap-running');
    const before = policy.current();
    const next = snapshot({ tools: { convert_document: { poll_interval_ms: 1234 } } });
    const outcome = await activator.activate('sighup', async () => next);
    assert.equal(outcome.kind, 'activated');
    assert.equal(policy.current(), next);
    stack.gates.release('swap-running');
    await waitForStatus(alice, task.taskId, 'completed');
    const result = await alice.result(task.taskId);
    assert.deepEqual(result.content, [{ type: 'text', text: 'ABC' }]);
    const created = stack.audit.find((e) => e.kind === 'decision' && e.op === 'create');
    assert.equal(created?.data_revision, before.dataRevision);
    const lastGet = [...stack.audit].reverse().find((e) => e.kind === 'decision' && e.op === 'result');
    assert.equal(lastGet?.data_revision, next.dataRevision);
    assert.equal((await alice.getTask(task.taskId)).pollInterval, 1234, 'the new data answers the next poll');
    const activation = stack.audit.find((e) => (e.kind as string) === 'policy');
    assert.deepEqual({ ...activation }, {
      kind: 'policy', event: 'activated', principal: null, task_id: null, tool: null, reasons: ['sighup'],
      policy_revision: next.revision, data_revision: next.dataRevision,
      previous_policy_revision: before.revision, previous_data_revision: before.dataRevision,
    });
    assert.match(lines.at(-1) ?? '', /^policy activated \(sighup\): policy [0-9a-f]{12}, data [0-9a-f]{12}, was policy/);
  });

  it('re-advertises task support on tools/list and tells the session its tool list changed', async () => {
    const bob = await stack.connect({ sub: 'bob' });
    let changed = 0;
    const heard = new Promise<void>((resolve) => {
      bob.client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
        changed += 1;
        resolve();
      });
    });
    const support = async (): Promise<unknown> => {
      const list = await bob.client.request({ method: 'tools/list', params: {} }, ListToolsResultSchema);
      return list.tools.find((t) => t.name === 'lookup')?.execution?.taskSupport;
    };
    assert.equal(await support(), 'forbidden');
    assert.equal((await rpcError(bob.createTask('lookup', { q: 'x' }))).code, -32601);
    const outcome = await activator.activate('files', async () => snapshot({ tools: { lookup: { task_support: 'optional' } } }));
    assert.equal(outcome.kind, 'activated');
    await heard;
    assert.equal(changed, 1);
    assert.equal(await support(), 'optional');
    const task = await bob.createTask('lookup', { q: 'x' });
    await waitForStatus(bob, task.taskId, 'completed');
  });

  it('applies the new rate limit from the next request on', async () => {
    const carol = await stack.connect({ sub: 'carol' });
    await activator.activate('files', async () => snapshot({ limits: { operations_per_minute: 2 } }));
    await carol.call('lookup', { q: '1' });
    await carol.call('lookup', { q: '2' });
    assert.equal((await rpcError(carol.call('lookup', { q: '3' }))).code, -32005);
    await activator.activate('files', async () => snapshot({ limits: { operations_per_minute: 600 } }));
    // The bucket keeps its (empty) tokens but refills at the new rate: 10 per second.
    await new Promise((r) => setTimeout(r, 250));
    await carol.call('lookup', { q: '4' });
  });

  it('refuses a candidate that fails to load, keeps the live snapshot, and records the refusal', async () => {
    const live = policy.current();
    const records = stack.audit.length;
    const outcome = await activator.activate('files', async () => {
      throw new Error('policy.wasm in /srv/x does not load');
    });
    assert.deepEqual(outcome, { kind: 'refused', error: 'policy.wasm in /srv/x does not load' });
    assert.equal(policy.current(), live);
    const refusal = stack.audit.slice(records).find((e) => (e.kind as string) === 'policy');
    assert.equal(refusal?.event as string, 'refused');
    assert.equal(refusal?.policy_revision, live.revision);
    assert.equal(refusal?.error, 'policy.wasm in /srv/x does not load');
    assert.match(lines.at(-1) ?? '', /^policy candidate refused \(files\), still serving policy [0-9a-f]{12}, data [0-9a-f]{12}: policy\.wasm/);
  });

  it('does nothing for a candidate identical to the live snapshot, and says so', async () => {
    const live = policy.current();
    const records = stack.audit.length;
    const outcome = await activator.activate('sighup', async () => createDecider(bundle, { data: live.data }));
    assert.equal(outcome.kind, 'unchanged');
    assert.equal(policy.current(), live);
    assert.equal(stack.audit.length, records);
    assert.match(lines.at(-1) ?? '', /^policy unchanged \(sighup\): policy [0-9a-f]{12}, data [0-9a-f]{12}$/);
  });

  it('never activates what the audit log cannot record', async () => {
    const live = policy.current();
    const failing = new PolicyActivator({ handle: policy, audit: { append: () => { throw new Error('audit log unavailable: disk full'); } }, log: () => {} });
    const outcome = await failing.activate('files', async () => snapshot({ defaults: { poll_interval_ms: 999 } }));
    assert.equal(outcome.kind, 'refused');
    assert.equal(policy.current(), live);
  });
});
