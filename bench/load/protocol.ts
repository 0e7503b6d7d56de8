import type { JWK } from 'jose';

/**
 * The IPC messages between the load generator (parent) and a server child. The server runs in its own
 * process so the generator's 200 clients never share its event loop.
 */
export type ServerMode = 'guard-on' | 'guard-off' | 'guard-on-2026' | 'guard-off-2026';

/** The modes that run the guard (and write an audit log). */
export function isGuarded(mode: ServerMode): boolean {
  return mode === 'guard-on' || mode === 'guard-on-2026';
}

export interface ServerConfig {
  mode: ServerMode;
  publicJwk: JWK;
  /** Seed of the tool's delay stream: both configurations draw the same delays in the same order. */
  seed: number;
  /** guard-on modes only: where the file audit log goes (a temp dir the parent removes). */
  auditFile?: string;
  /** guard-on modes only: the SQLite task store's file (in the same temp dir); absent, the memory store. */
  storeFile?: string;
}

export type ParentMessage =
  | { type: 'start'; config: ServerConfig }
  /** Start of the measured window: the child zeroes its CPU and event-loop-delay counters. */
  | { type: 'mark' }
  /** End of the measured window: the child reports what it used since the mark. */
  | { type: 'sample' }
  | { type: 'stop' };

/** What the server process spent in the measured window, and a few counters of its own. */
export interface ServerStats {
  /** user + system CPU time, ms. */
  cpuMs: number;
  wallMs: number;
  /** Event-loop delay percentiles over the window (perf_hooks.monitorEventLoopDelay), ms. */
  loopDelayP50Ms: number;
  loopDelayP99Ms: number;
  rssMb: number;
  /** Where the RSS goes (process.memoryUsage at the same moment): the JS heap in use, and memory outside it (buffers, wasm and native allocations V8 is told of). */
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
  /** RSS once the server listened, before any client: what loading it costs, apart from what load adds. */
  startRssMb: number;
  /** Tool runs started in the whole run (warm-up included). */
  toolRuns: number;
  /** Tool runs whose work or completion failed on the server side. */
  toolFailures: number;
  /** guard-on: audit records written in the whole run, and audit failures reported. */
  auditRecords?: number;
  auditFailures?: number;
}

export type ChildMessage =
  | { type: 'ready'; url: string; pid: number; detail: string }
  | { type: 'marked' }
  | { type: 'sampled'; stats: ServerStats }
  | { type: 'stopped'; stats: ServerStats }
  | { type: 'failed'; message: string };
