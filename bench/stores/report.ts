import { round2 } from '../lib/stats.js';
import type { StoreKind } from './flags.js';
import { OPS, type OpName, type OpResult } from './measure.js';

/**
 * Above this p50 ratio (largest table / smallest) an operation is called "grows". Over a 100x larger table an
 * index search adds a B-tree level or two and some cache misses, well under 2x; a scan grows with the table.
 */
export const FLAT_P50_RATIO = 2;

export interface SizeResult {
  store: StoreKind;
  size: number;
  seedSeconds: number;
  ops: OpResult[];
}

export interface Facts {
  date: string;
  node: string;
  cpus: number;
  cpuModel: string;
  sqlite: string | undefined;
  postgres: string | undefined;
}

export function formatSize(n: number): string {
  if (n >= 1_000_000 && n % 1_000_000 === 0) return `${n / 1_000_000}M`;
  if (n >= 1_000 && n % 1_000 === 0) return `${n / 1_000}k`;
  return n.toLocaleString('en-US');
}

function int(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

export function formatResults(results: readonly SizeResult[]): string {
  const rows = results.flatMap((r) =>
    r.ops.map((o) => [
      r.store, formatSize(r.size), OPS[o.op], o.latency.p50_us.toFixed(1), o.latency.p99_us.toFixed(1), o.latency.p999_us.toFixed(1),
      int(o.latency.throughput_per_s), String(round2(o.perCall)), o.otherCores === undefined ? '-' : `${(o.otherCores * 100).toFixed(0)}%`,
    ]),
  );
  return table(['store', 'size', 'op', 'p50 µs', 'p99 µs', 'p99.9 µs', 'ops/s', 'rows/call', 'other CPU'], rows);
}

/** Above this share of a CPU taken by other processes during a timed loop, its numbers are suspect. */
export const OTHER_CPU_WARNING = 0.1;

/** One warning line per timed loop that other processes disturbed, or none. */
export function disturbed(results: readonly SizeResult[]): string[] {
  return results.flatMap((r) =>
    r.ops
      .filter((o) => (o.otherCores ?? 0) > OTHER_CPU_WARNING)
      .map((o) => `WARNING: other processes used ${((o.otherCores ?? 0) * 100).toFixed(0)}% of a CPU while ${r.store} ${formatSize(r.size)} ${OPS[o.op]} was timed: re-run on a quiet machine before comparing`),
  );
}

export interface Flatness {
  store: StoreKind;
  op: OpName;
  small: number;
  large: number;
  p50Ratio: number;
  p99Ratio: number;
}

/** Per store and operation: the largest size's p50 and p99 over the smallest's. */
export function flatness(results: readonly SizeResult[]): Flatness[] {
  const out: Flatness[] = [];
  for (const store of new Set(results.map((r) => r.store))) {
    const mine = results.filter((r) => r.store === store).sort((a, b) => a.size - b.size);
    const small = mine[0];
    const large = mine.at(-1);
    if (!small || !large || small === large) continue;
    for (const o of large.ops) {
      const base = small.ops.find((s) => s.op === o.op);
      if (!base) continue;
      out.push({ store, op: o.op, small: small.size, large: large.size, p50Ratio: o.latency.p50_us / base.latency.p50_us, p99Ratio: o.latency.p99_us / base.latency.p99_us });
    }
  }
  return out;
}

export function formatFlatness(rows: readonly Flatness[]): string {
  if (rows.length === 0) return '(one size only: no flatness ratio)';
  const first = rows[0] as Flatness;
  const ratio = `${formatSize(first.large)}/${formatSize(first.small)}`;
  return table(
    ['store', 'op', `p50 ${ratio}`, `p99 ${ratio}`, `verdict (p50 ≤ ${FLAT_P50_RATIO}×)`],
    rows.map((f) => [f.store, OPS[f.op], `${f.p50Ratio.toFixed(2)}×`, `${f.p99Ratio.toFixed(2)}×`, f.p50Ratio <= FLAT_P50_RATIO ? 'flat' : '**grows**']),
  );
}

export function formatFacts(f: Facts): string {
  return [
    `date ${f.date}; node ${f.node}; ${f.cpus} cpus (${f.cpuModel})`,
    `sqlite ${f.sqlite ?? 'not run'}; postgres ${f.postgres ?? 'not run'}`,
  ].join('\n');
}

/** One line of JSON, last on stdout, for scripts. */
export function formatJson(results: readonly SizeResult[], flat: readonly Flatness[], facts: Facts, run: Record<string, unknown>): string {
  return JSON.stringify({
    results: results.flatMap((r) =>
      r.ops.map((o) => ({
        store: r.store, size: r.size, op: o.op, p50_us: round2(o.latency.p50_us), p99_us: round2(o.latency.p99_us), p999_us: round2(o.latency.p999_us),
        max_us: round2(o.latency.max_us), ops_per_s: round2(o.latency.throughput_per_s), per_call: round2(o.perCall), samples: o.latency.count,
        other_cores: o.otherCores === undefined ? null : round2(o.otherCores),
      })),
    ),
    seed_seconds: results.map((r) => ({ store: r.store, size: r.size, seconds: round2(r.seedSeconds) })),
    flatness: flat.map((f) => ({ store: f.store, op: f.op, p50_ratio: round2(f.p50Ratio), p99_ratio: round2(f.p99Ratio) })),
    ...facts,
    ...run,
  });
}
