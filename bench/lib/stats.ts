/** Latency summary of one timed loop. Samples are nanoseconds; reported figures are microseconds. */
export interface LatencySummary {
  count: number;
  p50_us: number;
  p99_us: number;
  p999_us: number;
  max_us: number;
  /** Completed operations per second over the whole timed loop (wall clock, including timer overhead). */
  throughput_per_s: number;
}

export function summarize(samplesNs: Float64Array, loopNs: number): LatencySummary {
  const sorted = Float64Array.from(samplesNs).sort();
  return {
    count: sorted.length,
    p50_us: percentile(sorted, 0.5) / 1000,
    p99_us: percentile(sorted, 0.99) / 1000,
    p999_us: percentile(sorted, 0.999) / 1000,
    max_us: (sorted[sorted.length - 1] ?? 0) / 1000,
    throughput_per_s: loopNs > 0 ? (sorted.length * 1e9) / loopNs : 0,
  };
}

/** Nearest-rank percentile of ascending samples: a value that was actually observed, never an interpolation. */
export function percentile(sortedAscending: Float64Array, p: number): number {
  if (sortedAscending.length === 0) return Number.NaN;
  const rank = Math.min(sortedAscending.length, Math.max(1, Math.ceil(p * sortedAscending.length)));
  return sortedAscending[rank - 1] as number;
}

export function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
