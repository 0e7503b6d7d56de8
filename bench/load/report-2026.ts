import { round2 } from '../lib/stats.js';
import { costTable, foreignWarnings, formatVerdict, jsonKeysOf, label, ms, ratiosNotReported, table, type ConfigResult } from './report.js';
import { verdictJson, type PairVerdict } from './verdict.js';

/**
 * The 2026-07-28 pair side by side: createTasksExtension against the v2 server with tasks by hand. There is
 * no tasks/result on this revision (the completed task's tasks/get inlines it), so the columns are tools/call
 * and tasks/get.
 */
export function formatTables2026(on: ConfigResult, off: ConfigResult, verdict: PairVerdict): string {
  const ratio = (a: number, b: number): string => (Number.isFinite(a / b) ? (a / b).toFixed(2) : '-');
  const latency = table(
    ['', 'tasks/s', 'tools/call p50', 'tools/call p99', 'tasks/get p50', 'tasks/get p99', 'probe p50', 'errors', 'cross-tenant reads / probes'],
    [off, on].map((c) => [
      label(c.mode), c.tasksPerS.toFixed(1), ms(c.create.p50), ms(c.create.p99), ms(c.get.p50), ms(c.get.p99), ms(c.probe.p50),
      String(c.errors), `${c.crossTenantReads} / ${c.probes}`,
    ]).concat([verdict.generatorBound ? ratiosNotReported(9) : [
      'guard on / off', ratio(on.tasksPerS, off.tasksPerS), ratio(on.create.p50, off.create.p50), ratio(on.create.p99, off.create.p99),
      ratio(on.get.p50, off.get.p50), ratio(on.get.p99, off.get.p99), ratio(on.probe.p50, off.probe.p50), '', '',
    ]]),
  );
  const lines = [
    '2026-07-28: latency in ms, measured at the client (raw HTTP request to parsed answer)', latency, '', costTable([off, on]), '', formatVerdict(verdict), '',
    `2026 guard ON cross-tenant reads: ${on.crossTenantReads} of ${on.probes} probes${on.crossTenantReads === 0 ? '' : '  <-- BINDING FAILURE'}`,
    `2026 guard OFF cross-tenant reads: ${off.crossTenantReads} of ${off.probes} probes (tasks written by hand are bound to nothing: a known id is enough)`,
    ...foreignWarnings([off, on]),
  ];
  return lines.join('\n');
}

/** The 2026 pair's keys in the JSON line, all prefixed `v2026_`. */
export function json2026(on: ConfigResult, off: ConfigResult, verdict: PairVerdict): Record<string, unknown> {
  const r = (v: number): number | null => (Number.isFinite(v) ? round2(v) : null);
  const keys = (prefix: string, c: ConfigResult): Record<string, unknown> => ({
    [`${prefix}_get_p50_ms`]: r(c.get.p50),
    [`${prefix}_get_p99_ms`]: r(c.get.p99),
    [`${prefix}_tasks_per_s`]: r(c.tasksPerS),
    [`${prefix}_errors`]: c.errors,
    [`${prefix}_cross_tenant_reads`]: c.crossTenantReads,
    ...jsonKeysOf(prefix, c),
  });
  const ratio3 = (a: number, b: number): number | null => (Number.isFinite(a / b) && !verdict.generatorBound ? Math.round((a / b) * 1000) / 1000 : null);
  return {
    v2026_get_p50_ratio: ratio3(on.get.p50, off.get.p50),
    v2026_create_p50_ratio: ratio3(on.create.p50, off.create.p50),
    wire_2026: verdictJson(verdict),
    ...keys('v2026_guard_on', on),
    ...keys('v2026_guard_off', off),
  };
}
