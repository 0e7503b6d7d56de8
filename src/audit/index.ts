// The audit log: named exports only.
export {
  AUDIT_KINDS, LIFECYCLE_EVENTS, POLICY_EVENTS, GENESIS_HASH, MAX_FIELD_CHARS, MAX_REASONS, buildRecord, hashRecord, recordLine,
  type AuditKind, type LifecycleEvent, type AuditPrincipal, type AuditPrincipalInput, type AuditEntry,
  type AuditRecord, type DecisionRecord, type LifecycleRecord, type PolicyRecord, type PolicyEvent, type AuditHead, type RecordContext,
} from './record.js';
export { recordShapeProblem } from './record-shape.js';
export { AuditLog, type AuditLogOptions, type AuditSink, type AuditListener, type AuditRecovery } from './log.js';
export { FileSink, FSYNC_POLICIES, DEFAULT_FSYNC_INTERVAL_MS, type FsyncPolicy, type FileSinkOptions } from './file-sink.js';
export type { RotationPolicy, RotatedInfo } from './rotation.js';
export { headFileOf, readHeadFile, type HeadFileState } from './head.js';
export { openAuditLog, type OpenAuditLogOptions } from './open.js';
export {
  verifyAuditLog, verifyAuditLines, type AuditVerifyOptions, type AuditVerifyResult, type AuditProblem, type AuditProblemKind,
  type AuditLineSource, type PositionedLine, type PositionUnit,
} from './verify.js';
export { verifyAuditSeries, type AuditSeriesResult, type SeriesFile } from './series-verify.js';
export { pruneAuditSeries, type SeriesRetention, type PrunedFile, type PruneSeriesOptions } from './retention.js';
export { checkpointFileOf, type SeriesCheckpoint } from './checkpoint.js';
export { parseRotatedPath, rotatedPath } from './series.js';
export { describeProblem } from './chain-scan.js';
export { isChainName, MAX_CHAIN_NAME } from './chain-name.js';
export type { AuditTable, AuditRow } from './db-table.js';
export { DbAuditSink } from './db-sink.js';
export { verifyAuditChain } from './db-verify.js';
export { openDbAuditLog, DEFAULT_PRUNE_EVERY, type OpenDbAuditLogOptions } from './db-open.js';
export { pruneAuditChain, type ChainRetention, type ChainPruneResult, type PruneChainOptions } from './db-prune.js';
export { openSqliteAuditTable, type SqliteAuditTableOptions } from './sqlite-table.js';
export { openPostgresAuditTable, type PostgresAuditTableOptions } from './postgres-table.js';
