/**
 * What the soak watches, and how much growth per minute after warm-up it tolerates before calling a metric
 * unbounded. A bounded metric levels off (its slope after warm-up is noise around 0); one that leaks keeps the
 * slope it had. RSS's budget is issue 13's target. Open sessions and running tasks swing by tens from one
 * sample to the next as the users' cycles line up, which puts about 2 a minute of noise in their slope; 10 a
 * minute is clear of that and far below a leak (sessions that are never reclaimed grow by 70 a minute here).
 */
export const METRICS = {
  rssMb: { label: 'RSS', unit: 'MB', budgetPerMin: 5 },
  heapMb: { label: 'heap after GC', unit: 'MB', budgetPerMin: 2 },
  sessions: { label: 'open sessions', unit: '', budgetPerMin: 10 },
  runningTasks: { label: 'running tasks', unit: '', budgetPerMin: 10 },
  auditMb: { label: 'audit log', unit: 'MB', budgetPerMin: 1 },
  storeMb: { label: 'task store file', unit: 'MB', budgetPerMin: 1 },
} as const;

export type Metric = keyof typeof METRICS;

export interface Sample {
  /** Minutes since the clients started. */
  atMin: number;
  values: Record<Metric, number>;
}

export interface Growth {
  metric: Metric;
  first: number;
  last: number;
  max: number;
  /** Least-squares slope over the samples after warm-up, per minute. */
  perMin: number;
  unbounded: boolean;
}

/** Growth of every metric over the samples taken at or after `warmupMin`; undefined with fewer than 3 such samples. */
export function growthAfter(samples: readonly Sample[], warmupMin: number): Growth[] | undefined {
  const window = samples.filter((s) => s.atMin >= warmupMin);
  if (window.length < 3) return undefined;
  return (Object.keys(METRICS) as Metric[]).map((metric) => {
    const perMin = slope(window.map((s) => [s.atMin, s.values[metric]]));
    return {
      metric,
      first: window[0]?.values[metric] ?? 0,
      last: window[window.length - 1]?.values[metric] ?? 0,
      max: Math.max(...samples.map((s) => s.values[metric])),
      perMin,
      unbounded: perMin > METRICS[metric].budgetPerMin,
    };
  });
}

function slope(points: ReadonlyArray<readonly [number, number]>): number {
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}
