// The root entry `taskguard`: named exports only. It loads no database driver (a test checks): the SQLite and
// PostgreSQL stores and audit tables, and the HTTP host, are subpath entries in src/entries/.
export { loadDecider, loadVerifiedDecider, createDecider, type Decider, type DeciderOptions } from './decision/engine.js';
export { readBundle, readVerifiedBundle, DECISION_ENTRYPOINT, type PolicyBundle, type BundleManifest } from './decision/bundle.js';
export type { BundleVerification, BundleSignature } from './decision/bundle-signature.js';
export { SIGNING_ALGORITHMS, type SigningAlgorithm, type VerificationKey } from './decision/bundle-keys.js';
export { parseDecision } from './decision/parse.js';
export {
  OPERATIONS, TASK_STATUSES, ENGINE_REASONS, WIRES,
  type Wire, type RequestInput,
  type Operation, type TaskStatus, type Decision, type DecisionInput, type PrincipalInput, type TaskOwner,
  type TaskRecordInput, type StepUpObligation,
} from './decision/types.js';
export { validatePolicyData, loadPolicyData } from './config/policy-data.js';
export { buildBundle, buildSignedBundle, type BuildOptions, type BuildResult } from './policy/build.js';
export type { SigningOptions } from './policy/sign.js';
export { TaskguardError, isTaskguardError, type TaskguardErrorCode } from './errors.js';
export { createTaskguard, type Taskguard, type TaskguardOptions } from './wire/v2025/taskguard.js';
export type { ToolContext, ToolHandler, ToolResult, TaskControl, GuardedToolConfig, InputQuestion, InputAnswer } from './guard/tools.js';
export type { InputRounds, InputRequest, RoundState } from './guard/rounds.js';
export { createGuard, SHUTDOWN_MESSAGE, type Guard, type GuardOptions } from './guard/guard.js';
export type { GuardObserver, ObservedDecision, ObservedRefusal } from './guard/observer.js';
export { SwappablePolicy, fixedPolicy, type PolicyHandle } from './decision/policy-handle.js';
export { PolicyActivator, type ActivationOutcome, type ActivationTrigger, type ActivatorOptions } from './activation/activator.js';
export { loadCandidate, smokeTest, type PolicySource } from './activation/candidate.js';
export { watchPolicyFiles, type PolicyFileWatch } from './activation/file-watch.js';
export { ShadowObserver, type ShadowDisagreement, type ShadowOptions, type ShadowStats } from './shadow/shadow-observer.js';
export { compareDecisions, type Disagreement } from './shadow/compare.js';
export { readDecisionEvents, replay, type ReplayReport, type ReplayDifference } from './shadow/replay.js';
export { GuardDenial, isGuardDenial, type Denial } from './guard/denials.js';
export { policyViewOf, type PolicyView, type TaskSupport } from './guard/policy-view.js';
export type { GuardAuditEntry, GuardAuditSink } from './guard/audit-port.js';
export { TASKGUARD_RPC_ERRORS, JSON_RPC, rpcErrorOf, type RpcError } from './wire/rpc-errors.js';
export { MemoryTaskStore } from './stores/memory.js';
export {
  ORPHAN_STATUS_MESSAGE, ORPHAN_ERROR_CODE, isLeasedTaskStore,
  type TaskStore, type LeasedTaskStore, type TaskRecord, type TaskOutcome, type ListScope, type CreateResult, type Idempotency,
} from './stores/types.js';
export { IDEMPOTENCY_META_KEY } from './guard/idempotency.js';
export type { RateLimiter } from './guard/rate-limit.js';
export { createSharedRateLimiter, type SharedRateLimiter, type SharedRateLimiterOptions, type SliceStore } from './guard/shared-rate-limit.js';
export { createTokenVerifier, validateIdentityConfig, principalFromAuthInfo, type IdentityConfig, type Principal } from './identity/index.js';
// The audit log in a JSONL file; the database tables are `taskguard/audit/*`. Not through './audit/index.js',
// which also re-exports the SQLite table and so would load better-sqlite3.
export { openAuditLog } from './audit/open.js';
export { verifyAuditLog, type AuditVerifyResult } from './audit/verify.js';
export { AuditLog } from './audit/log.js';
export { FileSink, type FsyncPolicy } from './audit/file-sink.js';
export type { AuditRecord, AuditEntry } from './audit/record.js';
export { verifyAuditSeries, type AuditSeriesResult, type SeriesFile } from './audit/series-verify.js';
export { pruneAuditSeries, type SeriesRetention, type PrunedFile, type PruneSeriesOptions } from './audit/retention.js';
export type { RotationPolicy, RotatedInfo } from './audit/rotation.js';
