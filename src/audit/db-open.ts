import { TaskguardError } from '../errors.js';
import { describeProblem } from './chain-scan.js';
import { checkChainName } from './chain-name.js';
import { DbAuditSink, type DbAuditSinkOptions } from './db-sink.js';
import type { AuditTable } from './db-table.js';
import { verifyAuditChain } from './db-verify.js';
import { AuditLog, type AuditLogOptions } from './log.js';

export interface OpenDbAuditLogOptions extends Omit<AuditLogOptions, 'sink' | 'start' | 'recovered'> {
  /** Owned by the log from this call on: closed by log.close(), or before openDbAuditLog throws. */
  table: AuditTable;
  /** 1 to 200 printable ascii characters; one chain per writing host. */
  chain: string;
  /** Retries of failing commits (see DbAuditSinkOptions). */
  sink?: DbAuditSinkOptions;
}

/**
 * Opens the audit log kept in `table` under `chain`, continuing that chain. Its rows must verify against its
 * head row first: a database row is whole or absent, so unlike a file there is nothing to repair, and
 * anything that fails to verify refuses to open. A second writer on the same chain is stopped by the
 * table at its first commit (its log then fails closed), so the chain never forks.
 */
export async function openDbAuditLog(options: OpenDbAuditLogOptions): Promise<AuditLog> {
  const { table, chain, sink: sinkOptions, ...logOptions } = options;
  try {
    checkChainName(chain);
    const result = await verifyAuditChain(table, chain);
    if (!result.ok) {
      const where = result.problem ? describeProblem(result.problem, 'pos') : 'unknown problem';
      throw new TaskguardError('audit_invalid', `audit chain ${chain} does not verify, ${where}; refusing to continue it`);
    }
    const start = { seq: result.lastSeq, hash: result.lastHash };
    const sink = new DbAuditSink(table, chain, start, sinkOptions);
    return new AuditLog({ ...logOptions, sink, start });
  } catch (err) {
    await table.close().catch(() => {});
    throw err;
  }
}
