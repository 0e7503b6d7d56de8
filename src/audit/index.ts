// The audit log: named exports only.
export {
  AUDIT_KINDS, LIFECYCLE_EVENTS, GENESIS_HASH, MAX_FIELD_CHARS, MAX_REASONS, buildRecord, hashRecord, recordLine,
  type AuditKind, type LifecycleEvent, type AuditPrincipal, type AuditPrincipalInput, type AuditEntry,
  type AuditRecord, type DecisionRecord, type LifecycleRecord, type AuditHead, type RecordContext,
} from './record.js';
export { recordShapeProblem } from './record-shape.js';
export { AuditLog, type AuditLogOptions, type AuditSink, type AuditListener, type AuditRecovery } from './log.js';
export { FileSink, FSYNC_POLICIES, DEFAULT_FSYNC_INTERVAL_MS, type FsyncPolicy, type FileSinkOptions } from './file-sink.js';
export { headFileOf, readHeadFile, type HeadFileState } from './head.js';
export { openAuditLog, type OpenAuditLogOptions } from './open.js';
export {
  verifyAuditLog, type AuditVerifyOptions, type AuditVerifyResult, type AuditProblem, type AuditProblemKind,
} from './verify.js';
