// Package entry `taskguard/audit/database`: the audit log kept in a table, with no database driver; the
// tables come from `taskguard/audit/sqlite` or `taskguard/audit/postgres`, so each embedder loads one driver.
export type { AuditTable, AuditRow } from '../../audit/db-table.js';
export { DbAuditSink, type DbAuditSinkOptions } from '../../audit/db-sink.js';
export { verifyAuditChain } from '../../audit/db-verify.js';
export { openDbAuditLog, type OpenDbAuditLogOptions } from '../../audit/db-open.js';
export { pruneAuditChain, type ChainRetention, type ChainPruneResult, type PruneChainOptions } from '../../audit/db-prune.js';
