import type { ClientKind, StoreKind } from './flags.js';
import type { ConfigResult } from './report.js';

/**
 * Issue 11's targets for one wire's pair (guard ON against guard OFF, side by side in one run), and whether
 * the run can judge them at all: a window whose load generator ran out of CPU measured the generator.
 */

/** At or above this share of a core over the window, the generator is the bottleneck (it has no headroom left). */
export const GENERATOR_CPU_BOUND = 0.9;
/**
 * Above this event-loop delay p99 (which includes the monitor's 5 ms resolution), the generator is bound even
 * with CPU to spare: 1% of its timers fire 15 ms or more late, and that lateness lands in the requests it
 * times. 20 ms is the stock server's whole tasks/get p50 at 200 clients on a quiet machine (22 ms), and a
 * fifth of the 50-100 ms poll pacing, so beyond it the run's latencies and offered load are the generator's.
 */
export const GENERATOR_LOOP_DELAY_BOUND_MS = 50;
/** Other processes above this share of a CPU during a window make the run contended: its verdicts are no claims. */
export const CONTENDED_FOREIGN_CORES = 0.1;
/** The issue names 20 and 200 clients; up to this many a run is judged by the 20-client targets, above by the 200-client ones. */
const LOW_LOAD_MAX_CLIENTS = 100;

export type Wire = '2025-11-25' | '2026-07-28';

export interface PairContext {
  wire: Wire;
  client: ClientKind;
  store: StoreKind;
  clients: number;
}

export interface Target {
  name: 'server_cpu_per_request' | 'get_p50' | 'throughput' | 'rss';
  label: string;
  ratio: number;
  /** The ratio must be at most (`max`) or at least (`min`) this. */
  limit: number;
  direction: 'max' | 'min';
  /** False where the issue sets no target at this client count (RSS at 20 clients). */
  applies: boolean;
}

export interface PairVerdict extends PairContext {
  generatorBound: boolean;
  /** Why, per window: empty when not bound. */
  boundBy: string[];
  contended: boolean;
  targets: Target[];
}

export function serverCpuPerRequestUs(c: ConfigResult): number {
  return c.server && c.requestsPerS > 0 ? (c.server.cpuMs * 1000) / (c.requestsPerS * (c.server.wallMs / 1000)) : Number.NaN;
}

export function generatorCpuPerRequestUs(c: ConfigResult): number {
  return c.requestsPerS > 0 ? (c.generator.cpuMs * 1000) / (c.requestsPerS * (c.generator.wallMs / 1000)) : Number.NaN;
}

/** Why a window's generator was the bottleneck; undefined when it had headroom. */
export function generatorBoundBy(c: ConfigResult): string | undefined {
  const share = c.generator.cpuMs / c.generator.wallMs;
  const reasons = [
    ...(share >= GENERATOR_CPU_BOUND ? [`CPU ${(share * 100).toFixed(0)}% of a core (bound at ${GENERATOR_CPU_BOUND * 100}%)`] : []),
    ...(c.generator.loopDelayP99Ms > GENERATOR_LOOP_DELAY_BOUND_MS ? [`loop delay p99 ${c.generator.loopDelayP99Ms.toFixed(1)} ms (bound above ${GENERATOR_LOOP_DELAY_BOUND_MS} ms)${descheduled(c, share)}`] : []),
  ];
  return reasons.length > 0 ? reasons.join(', ') : undefined;
}

/** A late loop with CPU to spare on a busy machine waited for a CPU: say so, the cause is not the generator's own work. */
function descheduled(c: ConfigResult, share: number): string {
  const foreign = c.foreignCores ?? 0;
  return share < GENERATOR_CPU_BOUND / 2 && foreign > CONTENDED_FOREIGN_CORES
    ? ` with CPU to spare (${(share * 100).toFixed(0)}%) while other processes used ${(foreign * 100).toFixed(0)}% of a CPU: it waited for a CPU`
    : '';
}

export function pairVerdict(on: ConfigResult, off: ConfigResult, context: PairContext): PairVerdict {
  const low = context.clients <= LOW_LOAD_MAX_CLIENTS;
  const boundBy = [off, on].flatMap((c) => {
    const why = generatorBoundBy(c);
    return why ? [`${c.mode}: ${why}`] : [];
  });
  return {
    ...context,
    generatorBound: boundBy.length > 0,
    boundBy,
    contended: [off, on].some((c) => (c.foreignCores ?? 0) > CONTENDED_FOREIGN_CORES),
    targets: [
      { name: 'server_cpu_per_request', label: 'server CPU per request', ratio: serverCpuPerRequestUs(on) / serverCpuPerRequestUs(off), limit: 1.1, direction: 'max', applies: true },
      { name: 'get_p50', label: 'tasks/get p50', ratio: on.get.p50 / off.get.p50, limit: low ? 1.1 : 1.25, direction: 'max', applies: true },
      { name: 'throughput', label: 'throughput (tasks/s)', ratio: on.tasksPerS / off.tasksPerS, limit: 0.97, direction: 'min', applies: true },
      { name: 'rss', label: 'server RSS', ratio: (on.server?.rssMb ?? Number.NaN) / (off.server?.rssMb ?? Number.NaN), limit: 1.2, direction: 'max', applies: !low },
    ],
  };
}

/** True or false for a target the run can judge; null when it cannot (generator-bound, no target here, no figure). */
export function targetMet(verdict: PairVerdict, target: Target): boolean | null {
  if (verdict.generatorBound || !target.applies || !Number.isFinite(target.ratio)) return null;
  return target.direction === 'max' ? target.ratio <= target.limit : target.ratio >= target.limit;
}

/** All targets that apply met; null when the run cannot judge them. */
export function allTargetsMet(verdict: PairVerdict): boolean | null {
  const met = verdict.targets.filter((t) => t.applies).map((t) => targetMet(verdict, t));
  return met.some((m) => m === null) ? null : met.every(Boolean);
}

const NOT_REPORTED = 'generator-bound: ratio not reported';

/** The verdict as table rows: target, ratio on / off, limit, verdict. */
export function verdictRows(verdict: PairVerdict): string[][] {
  return verdict.targets.map((t) => {
    const met = targetMet(verdict, t);
    // Three decimals: 1.103 shown as "1.10" next to NOT MET would read as a contradiction.
    const ratio = verdict.generatorBound ? NOT_REPORTED : Number.isFinite(t.ratio) ? t.ratio.toFixed(3) : '-';
    const limit = t.applies ? `${t.direction === 'max' ? '<=' : '>='} ${t.limit.toFixed(2)}` : `none at ${verdict.clients} clients`;
    const said = met === null ? '-' : `${met ? 'MET' : 'NOT MET'}${verdict.contended ? ' (contended)' : ''}`;
    return [`${t.label} on / off`, ratio, limit, said];
  });
}

/** One wire's verdict in the JSON line. Ratios from a generator-bound run are null, like their verdicts. */
export function verdictJson(verdict: PairVerdict): Record<string, unknown> {
  const round3 = (v: number): number | null => (Number.isFinite(v) ? Math.round(v * 1000) / 1000 : null);
  return {
    wire: verdict.wire,
    client: verdict.client,
    store: verdict.store,
    clients: verdict.clients,
    generator_bound: verdict.generatorBound,
    generator_bound_by: verdict.boundBy,
    contended: verdict.contended,
    ratios: Object.fromEntries(verdict.targets.map((t) => [t.name, verdict.generatorBound ? null : round3(t.ratio)])),
    targets: Object.fromEntries(verdict.targets.map((t) => [t.name, {
      [t.direction]: t.limit, applies: t.applies, met: targetMet(verdict, t),
    }])),
    targets_met: allTargetsMet(verdict),
  };
}
