import type { DecisionInput, Operation } from '../../src/decision/types.js';
import { percentile } from '../lib/stats.js';

export interface OperationLatency {
  op: Operation;
  share: number;
  p50_us: number;
  p99_us: number;
}

/**
 * Splits timed samples by operation: the mix's p50 hides which operation is slow, and that is what someone
 * optimising the policy needs to know.
 */
export function latencyByOperation(samples: Float64Array, inputs: readonly DecisionInput[], ops: readonly Operation[]): OperationLatency[] {
  const groups = new Map<Operation, number[]>(ops.map((op) => [op, []]));
  for (let i = 0; i < samples.length; i++) {
    const op = inputs[i % inputs.length]?.op;
    if (op !== undefined) groups.get(op)?.push(samples[i] as number);
  }
  return ops.map((op) => {
    const sorted = Float64Array.from(groups.get(op) ?? []).sort();
    return { op, share: sorted.length / samples.length, p50_us: percentile(sorted, 0.5) / 1000, p99_us: percentile(sorted, 0.99) / 1000 };
  });
}

export function formatByOperation(rows: readonly OperationLatency[]): string {
  const lines = ['taskguard by operation   share   p50 us   p99 us'];
  for (const r of rows) {
    lines.push(`  ${r.op.padEnd(20)} ${`${(r.share * 100).toFixed(1)}%`.padStart(6)}  ${r.p50_us.toFixed(2).padStart(7)}  ${r.p99_us.toFixed(2).padStart(7)}`);
  }
  return lines.join('\n');
}
