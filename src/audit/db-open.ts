import { TaskguardError, describeError } from '../errors.js';
import { describeProblem } from './chain-scan.js';
import { checkChainName } from './chain-name.js';
import { pruneAuditChain, type ChainRetention } from './db-prune.js';
import { DbAuditSink, type DbAuditSinkOptions } from './db-sink.js';
import type { AuditTable } from './db-table.js';
import { verifyAuditChain } from './db-verify.js';
import { AuditLog, type AuditLogOptions } from './log.js';

/** How many records are committed between two pruning passes, by default. */
export const DEFAULT_PRUNE_EVERY = 10_000;

export interface OpenDbAuditLogOptions extends Omit<AuditLogOptions, 'sink' | 'start' | 'recovered'> {
  /** Owned by the log from this call on: closed by log.close(), or before openDbAuditLog throws. */
  table: AuditTable;
  /** 1 to 200 printable ascii characters; one chain per writing host. */
  chain: string;
  /** Retries of failing commits (see DbAuditSinkOptions). */
  sink?: Omit<DbAuditSinkOptions, 'afterCommits'>;
  /** Prunes the chain's oldest records: once when the log opens, then every `pruneEvery` records. */
  retain?: ChainRetention | undefined;
  /** Records committed between two pruning passes; default 10000. */
  pruneEvery?: number | undefined;
  /** What pruning did, one line per pass: records deleted, or a pass that failed. */
  onInfo?: ((line: string) => void) | undefined;
}

/**
 * Opens the audit log kept in `table` under `chain`, continuing that chain. Its rows must verify against its
 * head row first (from its checkpoint, when it was pruned): a database row is whole or absent, so unlike a
 * file there is nothing to repair, and anything that fails to verify refuses to open. A second writer on
 * the same chain is stopped by the table at its first commit (its log then fails closed), so the chain
 * never forks.
 */
export async function openDbAuditLog(options: OpenDbAuditLogOptions): Promise<AuditLog> {
  const { table, chain, sink: sinkOptions, retain, pruneEvery, onInfo, ...logOptions } = options;
  try {
    checkChainName(chain);
    const every = pruneEvery ?? DEFAULT_PRUNE_EVERY;
    if (!Number.isSafeInteger(every) || every < 1) throw new TaskguardError('audit_invalid', 'pruneEvery must be a whole number of at least 1');
    const result = await verifyAuditChain(table, chain);
    if (!result.ok) {
      const where = result.problem ? describeProblem(result.problem, 'pos') : 'unknown problem';
      throw new TaskguardError('audit_invalid', `audit chain ${chain} does not verify, ${where}; refusing to continue it`);
    }
    const clock = logOptions.clock ?? Date.now;
    const prune = retain === undefined ? undefined : async (): Promise<void> => {
      try {
        await pruneAuditChain(table, chain, retain, { now: clock(), ...(onInfo ? { onInfo } : {}) });
      } catch (err) {
        onInfo?.(`audit chain ${chain}: pruning failed, nothing more deleted: ${describeError(err)}`);
      }
    };
    await prune?.();
    const start = { seq: result.lastSeq, hash: result.lastHash };
    const sink = new DbAuditSink(table, chain, start, { ...sinkOptions, afterCommits: prune ? { every, run: prune } : undefined });
    return new AuditLog({ ...logOptions, sink, start });
  } catch (err) {
    await table.close().catch(() => {});
    throw err;
  }
}
