import type { LatencySummary } from '../lib/stats.js';
import { round2 } from '../lib/stats.js';
import type { MetricsCost } from './metrics-cost.js';

/** The targets docs/BENCHMARKS.md holds the engine to. */
export const TARGETS = { taskguardP50Us: 15, taskguardP99Us: 60, speedupP50: 20, overFloorP50: 1.3 } as const;

export interface DecisionReport {
  taskguard: LatencySummary;
  /** The same engine over a constant policy (see floor.ts), timed in the same run. */
  floor: LatencySummary;
  opa: LatencySummary;
  allowShare: number;
  checked: number;
  reasonMismatches: number;
  seed: number;
  pool: number;
  nodeVersion: string;
  opaVersion: string;
  policyRevision: string;
  dataRevision: string;
  bundleStale: boolean;
  metricsCost: MetricsCost;
}

export function speedups(r: DecisionReport): { p50: number; p99: number } {
  return { p50: r.opa.p50_us / r.taskguard.p50_us, p99: r.opa.p99_us / r.taskguard.p99_us };
}

export function targetVerdicts(r: DecisionReport): { label: string; met: boolean; value: string }[] {
  const s = speedups(r);
  return [
    { label: `taskguard p50 <= ${TARGETS.taskguardP50Us} us`, met: r.taskguard.p50_us <= TARGETS.taskguardP50Us, value: `${r.taskguard.p50_us.toFixed(2)} us` },
    { label: `taskguard p99 <= ${TARGETS.taskguardP99Us} us`, met: r.taskguard.p99_us <= TARGETS.taskguardP99Us, value: `${r.taskguard.p99_us.toFixed(2)} us` },
    { label: `speedup p50 >= ${TARGETS.speedupP50}x`, met: s.p50 >= TARGETS.speedupP50, value: `${s.p50.toFixed(1)}x` },
    { label: `p50 / floor p50 <= ${TARGETS.overFloorP50}x`, met: overFloor(r) <= TARGETS.overFloorP50, value: `${overFloor(r).toFixed(2)}x` },
  ];
}

/** The policy's p50 over the constant policy's: what the rules themselves cost. */
export function overFloor(r: DecisionReport): number {
  return r.taskguard.p50_us / r.floor.p50_us;
}

/** The human-readable result: a latency table and the target verdicts. */
export function formatTable(r: DecisionReport): string {
  const header = ['', 'p50 us', 'p99 us', 'p999 us', 'max us', 'decisions/s', 'n'];
  const row = (name: string, l: LatencySummary): string[] => [
    name,
    l.p50_us.toFixed(2),
    l.p99_us.toFixed(2),
    l.p999_us.toFixed(2),
    l.max_us.toFixed(0),
    Math.round(l.throughput_per_s).toLocaleString('en-US'),
    String(l.count),
  ];
  const s = speedups(r);
  const rows = [
    header,
    row('taskguard (in-process wasm)', r.taskguard),
    row('floor (constant policy, same engine)', r.floor),
    row('opa REST (opa run --server)', r.opa),
    ['speedup (opa / taskguard)', `${s.p50.toFixed(1)}x`, `${s.p99.toFixed(1)}x`, '', '', '', ''],
  ];
  const widths = header.map((_, c) => Math.max(...rows.map((cells) => (cells[c] ?? '').length)));
  const lines = rows.map((cells) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  '));
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  lines.push('');
  for (const t of targetVerdicts(r)) lines.push(`target ${t.label.padEnd(24)} ${t.met ? 'MET    ' : 'NOT MET'}  (${t.value})`);
  return lines.join('\n');
}

/** The machine-readable result, printed as the last line of stdout: required keys first, extras after. */
export function formatJson(r: DecisionReport, iterations: { taskguard: number; opa: number }): string {
  const s = speedups(r);
  return JSON.stringify({
    taskguard_p50_us: round2(r.taskguard.p50_us),
    taskguard_p99_us: round2(r.taskguard.p99_us),
    opa_rest_p50_us: round2(r.opa.p50_us),
    opa_rest_p99_us: round2(r.opa.p99_us),
    speedup_p50: round2(s.p50),
    taskguard_p999_us: round2(r.taskguard.p999_us),
    taskguard_decisions_per_s: round2(r.taskguard.throughput_per_s),
    opa_rest_p999_us: round2(r.opa.p999_us),
    opa_rest_decisions_per_s: round2(r.opa.throughput_per_s),
    speedup_p99: round2(s.p99),
    taskguard_floor_p50_us: round2(r.floor.p50_us),
    taskguard_floor_p99_us: round2(r.floor.p99_us),
    over_floor_p50: round2(overFloor(r)),
    targets_met: targetVerdicts(r).every((t) => t.met),
    iterations: iterations.taskguard,
    opa_iterations: iterations.opa,
    allow_share: round2(r.allowShare),
    equivalence_checked: r.checked,
    reason_mismatches: r.reasonMismatches,
    seed: r.seed,
    pool: r.pool,
    node: r.nodeVersion,
    opa: r.opaVersion,
    policy_revision: r.policyRevision.slice(0, 12),
    data_revision: r.dataRevision.slice(0, 12),
    bundle_stale: r.bundleStale,
    metrics_ratio: Math.round(r.metricsCost.ratio * 1000) / 1000,
    metrics_extra_ns: Math.round(r.metricsCost.with_ns - r.metricsCost.without_ns),
  });
}
