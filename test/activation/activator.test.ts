// The activator and the handle on their own: order under concurrent triggers, listeners that fail, the
// outcome hook, and what the handle hands out. Real deciders over the committed wasm.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PolicyActivator, type ActivationOutcome } from '../../src/activation/activator.js';
import { readBundle } from '../../src/decision/bundle.js';
import { createDecider, type Decider } from '../../src/decision/engine.js';
import { fixedPolicy, SwappablePolicy } from '../../src/decision/policy-handle.js';
import { deepMerge } from '../../src/util/merge.js';

const bundle = readBundle();
const withPoll = (ms: number): Decider => createDecider(bundle, { data: deepMerge(bundle.data, { defaults: { poll_interval_ms: ms } }) });

describe('PolicyActivator', () => {
  it('runs activations one at a time, in the order asked for, so a slow older candidate never lands after a newer one', async () => {
    const handle = new SwappablePolicy(withPoll(1000));
    const order: string[] = [];
    const activator = new PolicyActivator({ handle, audit: undefined, log: () => {}, onOutcome: (o, t) => void order.push(`${t}:${o.kind}`) });
    const slow = withPoll(2000);
    const fast = withPoll(3000);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const first = activator.activate('files', async () => {
      await gate;
      return slow;
    });
    const second = activator.activate('sighup', async () => fast);
    // The second waits for the first even though its load is instant.
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, []);
    release();
    assert.equal((await first).kind, 'activated');
    assert.equal((await second).kind, 'activated');
    assert.equal(handle.current(), fast, 'the newer candidate is the one serving');
    assert.deepEqual(order, ['files:activated', 'sighup:activated']);
  });

  it('keeps going after a refusal: the next activation in the queue still runs', async () => {
    const handle = new SwappablePolicy(withPoll(1000));
    const activator = new PolicyActivator({ handle, audit: undefined, log: () => {} });
    const refused = activator.activate('files', async () => { throw new Error('bad candidate'); });
    const next = withPoll(4000);
    const accepted = activator.activate('files', async () => next);
    assert.deepEqual(await refused, { kind: 'refused', error: 'bad candidate' });
    assert.equal((await accepted).kind, 'activated');
    assert.equal(handle.current(), next);
  });

  it('an outcome hook that throws neither fails the activation nor stops the queue', async () => {
    const handle = new SwappablePolicy(withPoll(1000));
    const lines: string[] = [];
    const activator = new PolicyActivator({ handle, audit: undefined, log: (l) => void lines.push(l), onOutcome: () => { throw new Error('metrics broke'); } });
    assert.equal((await activator.activate('files', async () => withPoll(7000))).kind, 'activated');
    const last = withPoll(8000);
    assert.equal((await activator.activate('files', async () => last)).kind, 'activated');
    assert.equal(handle.current(), last);
    assert.ok(lines.includes('policy activation outcome not reported: metrics broke'));
  });

  it('swaps even when a listener throws, and says so in one line', async () => {
    const handle = new SwappablePolicy(withPoll(1000));
    const seen: Array<[Decider, Decider]> = [];
    handle.onActivate(() => { throw new Error('a closed session'); });
    const unsubscribe = handle.onActivate((next, previous) => void seen.push([next, previous]));
    const lines: string[] = [];
    const activator = new PolicyActivator({ handle, audit: undefined, log: (l) => void lines.push(l) });
    const before = handle.current();
    const next = withPoll(5000);
    const outcome: ActivationOutcome = await activator.activate('sighup', async () => next);
    assert.equal(outcome.kind, 'activated');
    assert.equal(handle.current(), next);
    assert.deepEqual(seen, [[next, before]]);
    assert.ok(lines.some((l) => l === 'policy activated, but a listener failed: a closed session'), lines.join('\n'));
    unsubscribe();
    await activator.activate('sighup', async () => withPoll(6000));
    assert.equal(seen.length, 1, 'an unsubscribed listener hears nothing more');
  });
});

describe('fixedPolicy', () => {
  it('always hands out its one decider and never calls a listener', () => {
    const decider = withPoll(1000);
    const handle = fixedPolicy(decider);
    let called = false;
    handle.onActivate(() => void (called = true))();
    assert.equal(handle.current(), decider);
    assert.equal(called, false);
  });
});
