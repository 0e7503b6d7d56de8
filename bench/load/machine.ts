import { readFileSync } from 'node:fs';

/**
 * CPU time the whole machine spent busy, from /proc/stat (Linux; undefined elsewhere). The load run compares
 * it with what its own processes used, to tell how much of the two CPUs something else took during a window:
 * on a shared machine that is the first thing that ruins a comparison.
 */
export interface MachineCpu {
  busyMs: number;
}

/** USER_HZ: the unit of /proc/stat, 100 on every mainstream Linux build. */
const TICKS_PER_S = 100;

export function readMachineCpu(): MachineCpu | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    const fields = line.trim().split(/\s+/).slice(1).map(Number);
    if (fields.length < 4 || fields.some((f) => !Number.isFinite(f))) return undefined;
    // user nice system idle iowait irq softirq steal ...: idle and iowait are not busy; guests are already in user.
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
    return { busyMs: ((user + nice + system + irq + softirq + steal) * 1000) / TICKS_PER_S };
  } catch {
    return undefined;
  }
}

/** Cores' worth of CPU that processes other than `ownCpuMs` used between two readings taken `wallMs` apart. */
export function foreignCores(start: MachineCpu | undefined, end: MachineCpu | undefined, ownCpuMs: number, wallMs: number): number | undefined {
  if (!start || !end || wallMs <= 0) return undefined;
  return Math.max(0, (end.busyMs - start.busyMs - ownCpuMs) / wallMs);
}
