import { METRICS, type Growth, type Sample } from './growth.js';
import type { ChurnCounters } from './churn.js';

const fmt = (value: number, digits = 1): string => value.toFixed(digits);

/** One line per sample, as the run goes. */
export function sampleLine(sample: Sample): string {
  const v = sample.values;
  return `t=${fmt(sample.atMin, 2)} min  rss ${fmt(v.rssMb)} MB  heap ${fmt(v.heapMb)} MB  sessions ${v.sessions}  running ${v.runningTasks}  audit ${fmt(v.auditMb)} MB  store ${fmt(v.storeMb, 2)} MB`;
}

/** The growth table: one row per metric, the verdict last. */
export function growthTable(growth: readonly Growth[], warmupMin: number): string {
  const rows = growth.map((g) => {
    const m = METRICS[g.metric];
    const unit = m.unit ? ` ${m.unit}` : '';
    return `| ${m.label} | ${fmt(g.first)}${unit} | ${fmt(g.last)}${unit} | ${fmt(g.max)}${unit} | ${g.perMin >= 0 ? '+' : ''}${fmt(g.perMin, 2)}${unit} | ${fmt(m.budgetPerMin)}${unit} | ${g.unbounded ? 'GROWS' : 'flat'} |`;
  });
  return [
    `| metric | after ${warmupMin} min warm-up | end | max | growth per minute after warm-up | budget per minute | verdict |`,
    '|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

export function countersLine(counters: ChurnCounters, minutes: number): string {
  return `${counters.sessions} sessions opened (${fmt(counters.sessions / minutes)} a minute, none closed with DELETE), ${counters.cycles} task cycles, ${counters.carried} tasks read from the session after the one that created them, ${counters.errorCount()} errors`;
}
