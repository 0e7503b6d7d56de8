import { round2 } from '../lib/stats.js';
import type { ServerMode, ServerStats } from './protocol.js';
import type { LatencyMs, Recorder } from './recorder.js';
import type { GeneratorStats } from './generator.js';
import { foreignCores } from './machine.js';
import { allTargetsMet, CONTENDED_FOREIGN_CORES, generatorCpuPerRequestUs, serverCpuPerRequestUs, verdictJson, verdictRows, type PairVerdict } from './verdict.js';

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
  /** The 2025-11-25 clients that ran: the SDK's Client or raw HTTP. */
  client: string;
  /** The guard-ON servers' task store. */
  store: string;
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

/** The human-readable result: latencies and outcomes, then where the CPU went, then the verdict. */
export function formatTables(on: ConfigResult, off: ConfigResult, verdict: PairVerdict): string {
  const latency = table(
    ['', 'tasks/s', 'get p50', 'get p99', 'create p50', 'create p99', 'result p50', 'result p99', 'errors', 'cross-tenant reads / probes'],
    [off, on].map((r) => [
      label(r.mode), r.tasksPerS.toFixed(1), ms(r.get.p50), ms(r.get.p99), ms(r.create.p50), ms(r.create.p99), ms(r.result.p50), ms(r.result.p99),
      String(r.errors), `${r.crossTenantReads} / ${r.probes}`,
    ]).concat([verdict.generatorBound ? ratiosNotReported(10) : [
      'guard on / off', (on.tasksPerS / off.tasksPerS).toFixed(2), (on.get.p50 / off.get.p50).toFixed(2), (on.get.p99 / off.get.p99).toFixed(2),
      (on.create.p50 / off.create.p50).toFixed(2), (on.create.p99 / off.create.p99).toFixed(2), (on.result.p50 / off.result.p50).toFixed(2),
      (on.result.p99 / off.result.p99).toFixed(2), '', '',
    ]]),
  );
  const cost = costTable([off, on]);
  const lines = [`latency in ms, measured at the client (${verdict.client === 'sdk' ? 'SDK' : 'raw HTTP'} request to parsed answer)`, latency, '', cost, '', formatVerdict(verdict), ''];
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
    ['', 'requests/s', 'gets', 'server CPU', 'server CPU ms/task', 'server CPU us/request', 'server loop delay p99', 'server RSS MB', 'generator CPU', 'generator CPU us/request', 'generator loop delay p99', 'other processes'],
    rows.map((r) => [
      label(r.mode), r.requestsPerS.toFixed(0), String(r.get.count), pct(r.server),
      r.server ? (r.server.cpuMs / (r.tasksPerS * (r.server.wallMs / 1000))).toFixed(2) : '-',
      fixed0(serverCpuPerRequestUs(r)),
      r.server ? `${ms(r.server.loopDelayP99Ms)} ms` : '-', r.server ? r.server.rssMb.toFixed(0) : '-',
      pct(r.generator), fixed0(generatorCpuPerRequestUs(r)), `${ms(r.generator.loopDelayP99Ms)} ms`, r.foreignCores === undefined ? '-' : `${(r.foreignCores * 100).toFixed(0)}%`,
    ]),
  );
}

/** The latency table's on / off row when the generator was the bottleneck. */
export function ratiosNotReported(columns: number): string[] {
  return ['guard on / off (generator-bound: ratio not reported)', ...Array.from({ length: columns - 1 }, () => '-')];
}

const fixed0 = (v: number): string => (Number.isFinite(v) ? v.toFixed(0) : '-');

/** Issue 11's targets for one pair, then why the run cannot judge them if it cannot. */
export function formatVerdict(verdict: PairVerdict): string {
  const head = `issue 11 targets, ${verdict.wire} (${verdict.client === 'sdk' ? 'SDK' : 'raw-HTTP'} clients, ${verdict.store} store on guard ON, ${verdict.clients} clients)`;
  const lines = [head, table(['target', 'ratio', 'limit', 'verdict'], verdictRows(verdict))];
  for (const why of verdict.boundBy) lines.push(`generator-bound: ${why}`);
  if (verdict.contended) lines.push('contended: other processes used more than a tenth of a CPU in a window; these verdicts are no claims');
  return lines.join('\n');
}

/** The warning a window gets when other processes took more than a tenth of a CPU during it. */
export function foreignWarnings(rows: readonly ConfigResult[]): string[] {
  return rows.filter((r) => (r.foreignCores ?? 0) > CONTENDED_FOREIGN_CORES).map((r) =>
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
    [`${prefix}_server_rss_mb`]: c.server ? r(c.server.rssMb) : null,
    [`${prefix}_server_heap_used_mb`]: c.server ? r(c.server.heapUsedMb) : null,
    [`${prefix}_server_heap_total_mb`]: c.server ? r(c.server.heapTotalMb) : null,
    [`${prefix}_server_external_mb`]: c.server ? r(c.server.externalMb) : null,
    [`${prefix}_server_start_rss_mb`]: c.server ? r(c.server.startRssMb) : null,
    [`${prefix}_generator_cpu_pct`]: r((c.generator.cpuMs / c.generator.wallMs) * 100),
    [`${prefix}_generator_cpu_us_per_request`]: r(generatorCpuPerRequestUs(c)),
    [`${prefix}_generator_loop_delay_p99_ms`]: r(c.generator.loopDelayP99Ms),
    [`${prefix}_server_cpu_ms_per_task`]: c.server && c.tasksPerS > 0 ? r(c.server.cpuMs / (c.tasksPerS * (c.server.wallMs / 1000))) : null,
    [`${prefix}_server_cpu_us_per_request`]: r(serverCpuPerRequestUs(c)),
    [`${prefix}_other_processes_cpu_pct`]: c.foreignCores === undefined ? null : r(c.foreignCores * 100),
  };
}

/**
 * The machine-readable result, printed as the last line of stdout: the required keys first, extras after.
 * get_p50_ratio and target_met are the 2025 pair's (target_met: all its issue 11 targets), null when the run
 * was generator-bound; `wire_2025` carries the whole verdict.
 */
export function formatJson(on: ConfigResult, off: ConfigResult, verdict: PairVerdict, info: RunInfo, extra: Record<string, unknown> = {}): string {
  const ratio = on.get.p50 / off.get.p50;
  return JSON.stringify({
    guard_on_get_p50_ms: r(on.get.p50),
    guard_on_get_p99_ms: r(on.get.p99),
    guard_off_get_p50_ms: r(off.get.p50),
    guard_off_get_p99_ms: r(off.get.p99),
    get_p50_ratio: Number.isFinite(ratio) && !verdict.generatorBound ? Math.round(ratio * 1000) / 1000 : null,
    guard_on_tasks_per_s: r(on.tasksPerS),
    guard_off_tasks_per_s: r(off.tasksPerS),
    guard_on_errors: on.errors,
    guard_off_errors: off.errors,
    guard_on_cross_tenant_reads: on.crossTenantReads,
    guard_off_cross_tenant_reads: off.crossTenantReads,
    target_met: allTargetsMet(verdict),
    generator_bound: verdict.generatorBound,
    client: info.client,
    store: info.store,
    wire_2025: verdictJson(verdict),
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
