import type { Decider } from '../../src/decision/engine.js';
import type { DecisionInput } from '../../src/decision/types.js';
import { TaskguardMetrics } from '../../src/metrics/taskguard-metrics.js';

export interface MetricsCost {
  /** Mean wall time of one decision without metrics, and with everything metrics add to it. */
  without_ns: number;
  with_ns: number;
  /** with / without, the median over interleaved ABBA quads of blocks. */
  ratio: number;
  decisions: number;
  /** Allows seen (both sides, warm-up included): a use of every result, so no evaluation is dead code. */
  allowShare: number;
}

/** Short blocks (a few ms): a preemption on a shared machine spoils one quad's ratio, and the median drops it. */
const BLOCK = 1_000;

/**
 * The per-decision cost of metrics, as the guard pays it: with the metrics observer attached, GuardCore.decide
 * times the evaluation (two hrtime reads), builds the observed event and calls the observer, and the audit
 * append it makes is counted (one in AUDIT_TIMING_SAMPLE timed: two more hrtime reads and a histogram
 * observe; the append itself is a no-op here, so both sides exclude it). The two configurations decide the same inputs in alternating blocks, ABBA,
 * so drift and JIT tiers hit both alike; the ratio is the median over the quads.
 */
export function measureMetricsCost(decider: Decider, inputs: readonly DecisionInput[], decisions: number): MetricsCost {
  const metrics = new TaskguardMetrics({ running: () => 0, auditWritable: () => true });
  const observer = metrics.decisions;
  const audit = metrics.audit.timed({ append: (_entry: unknown) => undefined });
  let allows = 0;

  // Both configurations of a pair decide the same BLOCK inputs, from `first` on.
  const without = (first: number): number => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < BLOCK; i++) {
      const input = inputs[(first + i) % inputs.length] as DecisionInput;
      if (decider.decide(input).allow) allows++;
    }
    return Number(process.hrtime.bigint() - start);
  };
  const withMetrics = (first: number): number => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < BLOCK; i++) {
      const input = inputs[(first + i) % inputs.length] as DecisionInput;
      const started = process.hrtime.bigint();
      const decision = decider.decide(input);
      const evalNs = Number(process.hrtime.bigint() - started);
      audit.append(decision);
      observer.decided({ decisionId: 'bench', input, decision, policyRevision: decider.revision, dataRevision: decider.dataRevision, timeMs: input.now_ms, evalNs });
      if (decision.allow) allows++;
    }
    return Number(process.hrtime.bigint() - start);
  };

  // Warm both paths before timing.
  for (let i = 0; i < 20; i++) {
    without(i * BLOCK);
    withMetrics(i * BLOCK);
  }
  const ratios: number[] = [];
  let withoutNs = 0;
  let withNs = 0;
  // One ratio per quad, ABBA then BAAB: whatever the position in the sequence does (a GC one block leaves to
  // the next, the first touch of a quad's inputs) falls on both sides alike.
  const quads = Math.max(1, Math.ceil(decisions / BLOCK / 2));
  for (let quad = 0; quad < quads; quad++) {
    const first = quad * BLOCK;
    const [outer, inner] = quad % 2 === 0 ? [without, withMetrics] : [withMetrics, without];
    const o1 = outer(first);
    const i1 = inner(first);
    const i2 = inner(first);
    const o2 = outer(first);
    const [plain, measured] = quad % 2 === 0 ? [o1 + o2, i1 + i2] : [i1 + i2, o1 + o2];
    withoutNs += plain;
    withNs += measured;
    ratios.push(measured / plain);
  }
  const each = quads * 2 * BLOCK;
  return { without_ns: withoutNs / each, with_ns: withNs / each, ratio: median(ratios), decisions: each, allowShare: allows / (2 * each + 40 * BLOCK) };
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

export function formatMetricsCost(c: MetricsCost): string {
  const extra = c.with_ns - c.without_ns;
  return `metrics cost per decision: ${(c.without_ns / 1000).toFixed(2)} us without, ${(c.with_ns / 1000).toFixed(2)} us with `
    + `(${extra >= 0 ? '+' : ''}${extra.toFixed(0)} ns on the means; median ratio over ABBA/BAAB quads ${c.ratio.toFixed(3)}, target < 1.10; `
    + `${c.decisions} decisions each, interleaved)`;
}
