import path from 'node:path';
import { openAuditLog, type AuditLog } from '../../src/audit/index.js';
import { readBundle } from '../../src/decision/bundle.js';
import { loadDecider, type Decider } from '../../src/decision/engine.js';
import { MemoryTaskStore } from '../../src/stores/memory.js';
import { SqliteTaskStore } from '../../src/stores/sqlite.js';
import type { TaskStore } from '../../src/stores/types.js';

/**
 * The committed per-principal rate limit (600 operations/min) is meant for people, not for this load shape:
 * four clients per user polling every 50-100 ms make ~3,000 operations/min per user. The limit is raised so
 * the run measures serving, not refusing; the limiter still runs on every operation, at the same cost.
 */
export const BENCH_OPERATIONS_PER_MINUTE = 10_000_000;

export interface GuardParts {
  decider: Decider;
  audit: AuditLog;
  /** The guard's task store: memory, or SQLite when the run asked for it. */
  store: TaskStore;
  auditFailures(): number;
  /** Closes what the parts hold open (the audit log, a SQLite store); after the guard has drained. */
  close(): Promise<void>;
  /** One line for the log: policy, data and audit file. */
  detail: string;
}

/**
 * What both guard-ON configurations put behind the guard: the committed policy through loadDecider, a real
 * file audit log (fsync 'interval'), and the task store (memory, or SQLite in `storeFile` with its defaults).
 */
export async function openGuardParts(auditFile: string, storeFile?: string): Promise<GuardParts> {
  const committed = readBundle().data as Record<string, unknown>;
  const limits = (committed['limits'] ?? {}) as Record<string, unknown>;
  const decider = loadDecider(undefined, { data: { ...committed, limits: { ...limits, operations_per_minute: BENCH_OPERATIONS_PER_MINUTE } } });
  let failures = 0;
  const audit = await openAuditLog({
    file: auditFile, fsync: 'interval',
    policyRevision: decider.revision, dataRevision: decider.dataRevision,
    onError: () => void (failures += 1),
  });
  const sqlite = storeFile ? await SqliteTaskStore.open(storeFile) : undefined;
  return {
    decider, audit, store: sqlite ?? new MemoryTaskStore(),
    auditFailures: () => failures,
    async close() {
      await audit.close();
      await sqlite?.close();
    },
    detail: `policy ${decider.revision.slice(0, 12)}, data ${decider.dataRevision.slice(0, 12)} (operations_per_minute raised to ${BENCH_OPERATIONS_PER_MINUTE}), audit ${path.basename(auditFile)} fsync interval, ${sqlite ? `SQLite store ${path.basename(storeFile ?? '')}` : 'memory store'}`,
  };
}
