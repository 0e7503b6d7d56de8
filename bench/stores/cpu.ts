import { readFileSync } from 'node:fs';
import { readMachineCpu } from '../load/machine.js';

/** USER_HZ, the unit of /proc/<pid>/stat times (as in bench/load/machine.ts). */
const TICKS_PER_S = 100;
/** /proc/stat counts in 10 ms ticks: over less wall time than this, a share of CPU is mostly rounding. */
const MIN_WALL_MS = 500;

/** CPU time over one window: the whole machine's busy time, ours (this process and the server's), and wall. */
export interface CpuSpent {
  /** Undefined off Linux. */
  machineMs: number | undefined;
  ownMs: number;
  wallMs: number;
}

/**
 * Starts a window over which the machine's busy CPU is compared with our own: this process plus `pids`,
 * the PostgreSQL backends serving the store. Other helpers, builds or test runs on a shared 2-CPU machine
 * show up as the difference, and a latency measured under them is not comparable with one measured without.
 */
export function cpuWindow(pids: readonly number[]): { end(): CpuSpent } {
  const machine = readMachineCpu();
  const self = process.cpuUsage();
  const servers = new Map(pids.map((pid) => [pid, pidCpuMs(pid)]));
  const started = process.hrtime.bigint();
  return {
    end(): CpuSpent {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      const mine = process.cpuUsage(self);
      let serverMs = 0;
      for (const [pid, before] of servers) {
        // A backend that went away meanwhile (the pool closes idle connections) has no final reading: its
        // share of the window then counts as other processes', which errs on the side of a warning.
        const after = pidCpuMs(pid);
        if (before !== undefined && after !== undefined) serverMs += Math.max(0, after - before);
      }
      const end = readMachineCpu();
      return {
        machineMs: machine && end ? end.busyMs - machine.busyMs : undefined,
        ownMs: (mine.user + mine.system) / 1000 + serverMs,
        wallMs,
      };
    },
  };
}

/** Cores' worth of CPU other processes used over windows adding up to `spent`; undefined if too short to say. */
export function otherCores(spent: CpuSpent): number | undefined {
  if (spent.machineMs === undefined || spent.wallMs < MIN_WALL_MS) return undefined;
  return Math.max(0, (spent.machineMs - spent.ownMs) / spent.wallMs);
}

export function addSpent(a: CpuSpent, b: CpuSpent): CpuSpent {
  return {
    machineMs: a.machineMs === undefined || b.machineMs === undefined ? undefined : a.machineMs + b.machineMs,
    ownMs: a.ownMs + b.ownMs,
    wallMs: a.wallMs + b.wallMs,
  };
}

function pidCpuMs(pid: number): number | undefined {
  try {
    // The command name (field 2) can hold spaces and parentheses: count fields from the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_S;
  } catch {
    return undefined;
  }
}

/** Whether `pid` is a PostgreSQL process on this machine: a server elsewhere reports pids that mean nothing here. */
export function isLocalPostgres(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres');
  } catch {
    return false;
  }
}
