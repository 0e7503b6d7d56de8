import type { Decider } from '../../src/decision/engine.js';
import type { DecisionInput } from '../../src/decision/types.js';
import { summarize, type LatencySummary } from '../lib/stats.js';

export interface TaskguardTiming {
  latency: LatencySummary;
  /** Per-call nanoseconds; sample i timed inputs[i % inputs.length]. */
  samples: Float64Array;
  /** Allows seen in the timed loop: the share of the mix that allowed, and a use of every result. */
  allows: number;
}

/** Runs `count` decisions over the mix, cycling, without timing them: JIT, inline caches, wasm tiers. */
export function warmTaskguard(decider: Decider, inputs: readonly DecisionInput[], count: number): void {
  for (let i = 0; i < count; i++) decider.decide(inputs[i % inputs.length]);
}

/**
 * Times each decide() on its own with process.hrtime.bigint, so the percentiles include everything one
 * call pays (garbage collection pauses too), and the whole loop for throughput.
 */
export function timeTaskguard(decider: Decider, inputs: readonly DecisionInput[], iterations: number): TaskguardTiming {
  const samples = new Float64Array(iterations);
  let allows = 0;
  const loopStart = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    const input = inputs[i % inputs.length];
    const t0 = process.hrtime.bigint();
    const decision = decider.decide(input);
    const t1 = process.hrtime.bigint();
    samples[i] = Number(t1 - t0);
    if (decision.allow) allows++;
  }
  const loopNs = Number(process.hrtime.bigint() - loopStart);
  return { latency: summarize(samples, loopNs), samples, allows };
}
