import { round2 } from '../lib/stats.js';
import type { ServerMode, ServerStats } from './protocol.js';
import type { LatencyMs, Recorder } from './recorder.js';
import type { GeneratorStats } from './generator.js';
import { foreignCores } from './machine.js';

/** What docs/BENCHMARKS.md holds the guard to: tasks/get p50 with the guard at most 10% over the stock SDK. */
export const TARGET_GET_P50_RATIO = 1.1;
/** Above this share of a CPU taken by other processes during a window, the run says its numbers are suspect. */
const FOREIGN_CPU_WARNING = 0.1;

export interface ConfigResult {
  mode: ServerMode;
  detail: string;
  tasksPerS: number;
  requestsPerS: number;
  get: LatencyMs;
  create: LatencyMs;
  result: LatencyMs;
  probe: LatencyMs;
  errors: number;
  errorKinds: [string, number][];
  probes: number;
  probesRefused: number;
  crossTenantReads: number;
  abandoned: number;
  unfinishedLoops: number;
  server: ServerStats | undefined;
  generator: GeneratorStats;
  /** Cores' worth of CPU that other processes on the machine used during the window (undefined off Linux). */
  foreignCores: number | undefined;
}

export interface RunInfo {
  seconds: number;
  warmupSeconds: number;
  clients: number;
  users: number;
  tenants: number;
  seed: number;
  probeShare: number;
  node: string;
  cpus: number;
  cpuModel: string;
  auditRecords: number | undefined;
  auditVerified: boolean | undefined;
}

export function configResult(mode: ServerMode, detail: string, recorder: Recorder, server: ServerStats | undefined, generator: GeneratorStats, unfinishedLoops: number): ConfigResult {
  const seconds = recorder.windowSeconds();
  const [get, create, result, probe] = (['get', 'create', 'result', 'probe'] as const).map((k) => recorder.latency(k)) as [LatencyMs, LatencyMs, LatencyMs, LatencyMs];
  return {
    mode, detail, get, create, result, probe, server, generator, unfinishedLoops,
    foreignCores: foreignCores(generator.machineStart, generator.machineEnd, generator.cpuMs + (server?.cpuMs ?? 0), generator.wallMs),
    tasksPerS: recorder.completed / seconds,
    requestsPerS: (get.count + create.count + result.count + probe.count) / seconds,
    errors: recorder.errors,
    errorKinds: recorder.errorKinds(),
    probes: recorder.probes,
    probesRefused: recorder.probesRefused,
    crossTenantReads: recorder.crossTenantReads,
    abandoned: recorder.abandoned,
  };
}

export function getP50Ratio(on: ConfigResult, off: ConfigResult): number {
  return on.get.p50 / off.get.p50;
}

/** The human-readable result: latencies and outcomes, then where the CPU went, then the verdict. */
export function formatTables(on: ConfigResult, off: ConfigResult): string {
  const latency = table(
    ['', 'tasks/s', 'get p50', 'get p99', 'create p50', 'create p99', 'result p50', 'result p99', 'errors', 'cross-tenant reads / probes'],
    [off, on].map((r) => [
      label(r.mode), r.tasksPerS.toFixed(1), ms(r.get.p50), ms(r.get.p99), ms(r.create.p50), ms(r.create.p99), ms(r.result.p50), ms(r.result.p99),
      String(r.errors), `${r.crossTenantReads} / ${r.probes}`,
    ]).concat([[
      'guard on / off', (on.tasksPerS / off.tasksPerS).toFixed(2), (on.get.p50 / off.get.p50).toFixed(2), (on.get.p99 / off.get.p99).toFixed(2),
      (on.create.p50 / off.create.p50).toFixed(2), (on.create.p99 / off.create.p99).toFixed(2), (on.result.p50 / off.result.p50).toFixed(2),
      (on.result.p99 / off.result.p99).toFixed(2), '', '',
    ]]),
  );
  const cost = costTable([off, on]);
  const ratio = getP50Ratio(on, off);
  const lines = ['latency in ms, measured at the client (SDK request to parsed answer)', latency, '', cost, ''];
  // Three decimals: 1.103 shown as "1.10" next to NOT MET would read as a contradiction.
  lines.push(`target tasks/get p50 ratio <= ${TARGET_GET_P50_RATIO.toFixed(2)}  ${ratio <= TARGET_GET_P50_RATIO ? 'MET    ' : 'NOT MET'}  (${ratio.toFixed(3)})`);
  lines.push(`guard ON cross-tenant reads: ${on.crossTenantReads} of ${on.probes} probes${on.crossTenantReads === 0 ? '' : '  <-- BINDING FAILURE'}`);
  lines.push(...foreignWarnings([off, on]));
  lines.push(`guard OFF cross-tenant reads: ${off.crossTenantReads} of ${off.probes} probes ${off.crossTenantReads === 0
    ? '(the SDK\'s InMemoryTaskStore hides a task from every session but the one that created it)'
    : '(the SDK\'s stock task handling returned other tenants\' tasks)'}`);
  return lines.join('\n');
}

export const ms = (v: number): string => (Number.isFinite(v) ? v.toFixed(2) : '-');
const pct = (s: { cpuMs: number; wallMs: number } | undefined): string => (s ? `${((s.cpuMs / s.wallMs) * 100).toFixed(0)}%` : '-');

/** Where the CPU went, per configuration: the same columns on both wires. */
export function costTable(rows: readonly ConfigResult[]): string {
  return table(
    ['', 'requests/s', 'gets', 'server CPU', 'server CPU ms/task', 'server CPU us/request', 'server loop delay p99', 'server RSS MB', 'generator CPU', 'generator loop delay p99', 'other processes'],
    rows.map((r) => [
      label(r.mode), r.requestsPerS.toFixed(0), String(r.get.count), pct(r.server),
      r.server ? (r.server.cpuMs / (r.tasksPerS * (r.server.wallMs / 1000))).toFixed(2) : '-',
      r.server ? ((r.server.cpuMs * 1000) / (r.requestsPerS * (r.server.wallMs / 1000))).toFixed(0) : '-',
      r.server ? `${ms(r.server.loopDelayP99Ms)} ms` : '-', r.server ? r.server.rssMb.toFixed(0) : '-',
      pct(r.generator), `${ms(r.generator.loopDelayP99Ms)} ms`, r.foreignCores === undefined ? '-' : `${(r.foreignCores * 100).toFixed(0)}%`,
    ]),
  );
}

/** The warning a window gets when other processes took more than a tenth of a CPU during it. */
export function foreignWarnings(rows: readonly ConfigResult[]): string[] {
  return rows.filter((r) => (r.foreignCores ?? 0) > FOREIGN_CPU_WARNING).map((r) =>
    `WARNING: other processes used ${((r.foreignCores ?? 0) * 100).toFixed(0)}% of a CPU during the ${label(r.mode)} window: this run's comparison is not trustworthy`);
}

const r = (v: number): number | null => (Number.isFinite(v) ? round2(v) : null);

/** One configuration's extra keys in the JSON line, each named `<prefix>_...`. */
export function jsonKeysOf(prefix: string, c: ConfigResult): Record<string, unknown> {
  return {
    [`${prefix}_get_p999_ms`]: r(c.get.p999),
    [`${prefix}_create_p50_ms`]: r(c.create.p50),
    [`${prefix}_create_p99_ms`]: r(c.create.p99),
    [`${prefix}_result_p50_ms`]: r(c.result.p50),
    [`${prefix}_result_p99_ms`]: r(c.result.p99),
    [`${prefix}_requests_per_s`]: r(c.requestsPerS),
    [`${prefix}_gets`]: c.get.count,
    [`${prefix}_probes`]: c.probes,
    [`${prefix}_probes_refused`]: c.probesRefused,
    [`${prefix}_server_cpu_pct`]: c.server ? r((c.server.cpuMs / c.server.wallMs) * 100) : null,
    [`${prefix}_server_loop_delay_p99_ms`]: c.server ? r(c.server.loopDelayP99Ms) : null,
    [`${prefix}_generator_cpu_pct`]: r((c.generator.cpuMs / c.generator.wallMs) * 100),
    [`${prefix}_server_cpu_ms_per_task`]: c.server && c.tasksPerS > 0 ? r(c.server.cpuMs / (c.tasksPerS * (c.server.wallMs / 1000))) : null,
    [`${prefix}_server_cpu_us_per_request`]: c.server && c.requestsPerS > 0 ? r((c.server.cpuMs * 1000) / (c.requestsPerS * (c.server.wallMs / 1000))) : null,
    [`${prefix}_other_processes_cpu_pct`]: c.foreignCores === undefined ? null : r(c.foreignCores * 100),
  };
}

/** The machine-readable result, printed as the last line of stdout: the required keys first, extras after. */
export function formatJson(on: ConfigResult, off: ConfigResult, info: RunInfo, extra: Record<string, unknown> = {}): string {
  const ratio = getP50Ratio(on, off);
  return JSON.stringify({
    guard_on_get_p50_ms: r(on.get.p50),
    guard_on_get_p99_ms: r(on.get.p99),
    guard_off_get_p50_ms: r(off.get.p50),
    guard_off_get_p99_ms: r(off.get.p99),
    get_p50_ratio: Number.isFinite(ratio) ? Math.round(ratio * 1000) / 1000 : null,
    guard_on_tasks_per_s: r(on.tasksPerS),
    guard_off_tasks_per_s: r(off.tasksPerS),
    guard_on_errors: on.errors,
    guard_off_errors: off.errors,
    guard_on_cross_tenant_reads: on.crossTenantReads,
    guard_off_cross_tenant_reads: off.crossTenantReads,
    target_met: ratio <= TARGET_GET_P50_RATIO,
    ...jsonKeysOf('guard_on', on),
    ...jsonKeysOf('guard_off', off),
    guard_on_audit_records: info.auditRecords ?? null,
    guard_on_audit_verified: info.auditVerified ?? null,
    seconds: info.seconds,
    warmup_seconds: info.warmupSeconds,
    clients: info.clients,
    users: info.users,
    tenants: info.tenants,
    probe_share: info.probeShare,
    seed: info.seed,
    node: info.node,
    cpus: info.cpus,
    ...extra,
  });
}

const LABELS: Record<ServerMode, string> = {
  'guard-on': 'guard ON (taskguard)',
  'guard-off': 'guard OFF (SDK stock)',
  'guard-on-2026': 'guard ON 2026 (createTasksExtension)',
  'guard-off-2026': 'guard OFF 2026 (tasks by hand)',
};

export function label(mode: ServerMode): string {
  return LABELS[mode];
}

export function table(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((cells) => (cells[c] ?? '').length)));
  const lines = all.map((cells) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  '));
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  return lines.join('\n');
}
