import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { loadDecider } from '../../src/decision/engine.js';
import { fixedPolicy } from '../../src/decision/policy-handle.js';
import type { DecisionInput } from '../../src/decision/types.js';
import { DecisionLog } from '../../src/decision-log/decision-log.js';
import { DEFAULT_HASHED } from '../../src/decision-log/config.js';
import { configMaskRules } from '../../src/decision-log/mask.js';
import { DecisionLogCounters } from '../../src/decision-log/stats.js';
import { fileSink } from '../../src/decision-log/stream-sink.js';
import type { ObservedDecision } from '../../src/guard/observer.js';
import { tempDir } from '../support/temp-policy.js';
import { readEvents } from './support.js';

const decider = loadDecider();

/** A real decision of the committed policy, as the guard reports it to its observers. */
function observed(nowMs: number): ObservedDecision {
  const input = {
    op: 'list', wire: '2025-11-25', now_ms: nowMs,
    principal: { sub: 'alice', tenant: 'acme', client_id: 'reports-agent', scopes: ['reports:read'], roles: ['analyst'] },
  } as unknown as DecisionInput;
  return { decisionId: randomUUID(), input, decision: decider.decide(input), policyRevision: decider.revision, dataRevision: decider.dataRevision, timeMs: nowMs, evalNs: 1000 };
}

function rateLimited(perSecond: number): { log: DecisionLog; file: string; counters: DecisionLogCounters; clock: { ms: number } } {
  const clock = { ms: 1_764_590_000_000 };
  const file = path.join(tempDir('taskguard-declog-rate-'), 'decisions.jsonl');
  const counters = new DecisionLogCounters();
  const log = new DecisionLog({
    policy: fixedPolicy(decider), labels: { id: 'h', version: 'v' }, masks: configMaskRules({ hash: DEFAULT_HASHED, erase: [] }),
    sinks: [fileSink(file, { maxPendingBytes: 1 << 20, counters, onError: (l) => assert.fail(l) })],
    maxPending: 10_000, counters, onError: (l) => assert.fail(l), maxPerSecond: perSecond, now: () => clock.ms,
  });
  return { log, file, counters, clock };
}

describe('decision_logs.reporting.max_decisions_per_second', () => {
  it('logs at most a second\'s worth at once, then the rate; the rest are dropped as rate_limited and counted', async () => {
    const { log, file, counters, clock } = rateLimited(2);
    const sent: string[] = [];
    const note = (): void => {
      const o = observed(clock.ms);
      sent.push(o.decisionId);
      log.observer.decided?.(o);
    };
    for (let i = 0; i < 5; i++) note(); // the burst: 2 of 5
    clock.ms += 500; // one more token
    note();
    note();
    clock.ms += 10_000; // refilled, but never past the burst
    for (let i = 0; i < 4; i++) note();
    await log.close();
    const logged = readEvents(file).map((e) => e.decision_id);
    assert.deepEqual(logged, [sent[0], sent[1], sent[5], sent[7], sent[8]]);
    assert.equal(counters.snapshot(0).dropped.rate_limited, 6);
    assert.equal(counters.snapshot(0).observed, 11);
  });

  it('a fraction of one: one event every two seconds at 0.5', async () => {
    const { log, file, counters, clock } = rateLimited(0.5);
    for (const stepMs of [0, 1000, 1000, 500, 1500]) {
      clock.ms += stepMs;
      log.observer.decided?.(observed(clock.ms));
    }
    await log.close();
    // At 0 s (the burst of one), then at 2 s and at 4 s, when a whole token has come back each time.
    assert.equal(readEvents(file).length, 3);
    assert.equal(counters.snapshot(0).dropped.rate_limited, 2);
  });
});
