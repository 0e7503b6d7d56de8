import type { AuditLog, AuditLogOptions } from '../audit/log.js';
import { openAuditLog } from '../audit/open.js';
import { openDbAuditLog } from '../audit/db-open.js';
import { verifyAuditChain } from '../audit/db-verify.js';
import { openPostgresAuditTable } from '../audit/postgres-table.js';
import { openSqliteAuditTable } from '../audit/sqlite-table.js';
import type { AuditTable } from '../audit/db-table.js';
import { verifyAuditSeries } from '../audit/series-verify.js';
import type { AuditVerifyResult } from '../audit/verify.js';
import type { HostConfig } from '../config/host-config.js';
import { postgresUrl } from './open-store.js';

export interface OpenedAudit {
  log: AuditLog;
  /** For the startup line. */
  description: string;
  /** Checks the chain this host writes, end to end. */
  verify(): Promise<AuditVerifyResult>;
  /** Flushes and closes the log (and its database connection). */
  close(): Promise<void>;
}

type LogOptions = Pick<AuditLogOptions, 'policyRevision' | 'dataRevision' | 'onError'> & {
  /** Database chains: told when commits start failing and are being retried. */
  onRetry?: (error: Error) => void;
  /** What rotation, retention and pruning did, one line each. */
  onInfo?: (line: string) => void;
};

/**
 * Opens the audit log the config names: the JSONL file, or this host's chain in the store's database.
 * Retention runs when the log opens, then after each rotation (file) or every DEFAULT_PRUNE_EVERY records
 * (database).
 */
export async function openAudit(config: HostConfig, { onRetry, onInfo, ...options }: LogOptions): Promise<OpenedAudit> {
  const audit = config.audit;
  const retained = Object.keys(audit.retain).length > 0;
  if (audit.kind === 'file') {
    const log = await openAuditLog({
      file: audit.file, fsync: audit.fsync, intervalMs: audit.intervalMs, rotate: audit.rotate,
      ...(retained ? { retain: audit.retain } : {}), onInfo, ...options,
    });
    return { log, description: audit.file, verify: () => verifyAuditSeries(audit.file), close: () => log.close() };
  }
  const table: AuditTable = config.store.kind === 'postgres'
    ? await openPostgresAuditTable({ connectionString: postgresUrl(config.store), schema: config.store.schema })
    : await openSqliteAuditTable(config.store.kind === 'sqlite' ? config.store.file : '');
  try {
    const log = await openDbAuditLog({
      table, chain: audit.chain, ...options, ...(onRetry ? { sink: { onRetry } } : {}), ...(retained ? { retain: audit.retain } : {}), onInfo,
    });
    return {
      log,
      description: `${config.store.kind} chain ${audit.chain}`,
      verify: () => verifyAuditChain(table, audit.chain),
      async close() {
        await log.close();
        await table.close();
      },
    };
  } catch (err) {
    await table.close();
    throw err;
  }
}
