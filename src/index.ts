// Public API: named exports only.
export { loadDecider, loadVerifiedDecider, createDecider, type Decider, type DeciderOptions } from './decision/engine.js';
export { readBundle, readVerifiedBundle, DECISION_ENTRYPOINT, type PolicyBundle, type BundleManifest } from './decision/bundle.js';
export type { BundleVerification, BundleSignature } from './decision/bundle-signature.js';
export { SIGNING_ALGORITHMS, type SigningAlgorithm, type VerificationKey } from './decision/bundle-keys.js';
export { parseDecision } from './decision/parse.js';
export {
  OPERATIONS, TASK_STATUSES, ENGINE_REASONS,
  type Operation, type TaskStatus, type Decision, type DecisionInput, type PrincipalInput, type TaskOwner,
  type TaskRecordInput, type StepUpObligation,
} from './decision/types.js';
export { validatePolicyData, loadPolicyData } from './config/policy-data.js';
export { buildBundle, buildSignedBundle, type BuildOptions, type BuildResult } from './policy/build.js';
export type { SigningOptions } from './policy/sign.js';
export { TaskguardError, isTaskguardError, type TaskguardErrorCode } from './errors.js';
export { createTaskguard, type Taskguard, type TaskguardOptions } from './wire/v2025/taskguard.js';
export type { ToolContext, ToolHandler, ToolResult, TaskControl, GuardedToolConfig, InputQuestion, InputAnswer } from './guard/tools.js';
export { createGuard, SHUTDOWN_MESSAGE, type Guard, type GuardOptions } from './guard/guard.js';
export { GuardDenial, isGuardDenial, type Denial } from './guard/denials.js';
export { policyViewOf, type PolicyView, type TaskSupport } from './guard/policy-view.js';
export type { GuardAuditEntry, GuardAuditSink } from './guard/audit-port.js';
export { TASKGUARD_RPC_ERRORS, JSON_RPC, rpcErrorOf, type RpcError } from './wire/rpc-errors.js';
export { MemoryTaskStore } from './stores/memory.js';
export { SqliteTaskStore, type SqliteStoreOptions } from './stores/sqlite.js';
export { PostgresTaskStore, PostgresStoreError, type PostgresStoreOptions } from './stores/postgres.js';
export {
  ORPHAN_STATUS_MESSAGE, ORPHAN_ERROR_CODE, isLeasedTaskStore,
  type TaskStore, type LeasedTaskStore, type TaskRecord, type TaskOutcome, type ListScope, type CreateResult, type Idempotency,
} from './stores/types.js';
export { IDEMPOTENCY_META_KEY } from './guard/idempotency.js';
export { createHttpHost, type HttpHost, type HttpHostOptions } from './http/host.js';
export { createTokenVerifier, validateIdentityConfig, principalFromAuthInfo, type IdentityConfig, type Principal } from './identity/index.js';
export { openAuditLog, verifyAuditLog, AuditLog, FileSink, type AuditRecord, type AuditEntry, type AuditVerifyResult, type FsyncPolicy } from './audit/index.js';
export {
  openDbAuditLog, openSqliteAuditTable, openPostgresAuditTable, verifyAuditChain, DbAuditSink, type AuditTable, type OpenDbAuditLogOptions,
} from './audit/index.js';
