// Public API: named exports only.
export { loadDecider, createDecider, type Decider, type DeciderOptions } from './decision/engine.js';
export { readBundle, DECISION_ENTRYPOINT, type PolicyBundle, type BundleManifest } from './decision/bundle.js';
export { parseDecision } from './decision/parse.js';
export {
  OPERATIONS, TASK_STATUSES, ENGINE_REASONS,
  type Operation, type TaskStatus, type Decision, type DecisionInput, type PrincipalInput, type TaskOwner,
  type TaskRecordInput, type StepUpObligation,
} from './decision/types.js';
export { validatePolicyData, loadPolicyData } from './config/policy-data.js';
export { buildBundle, type BuildOptions, type BuildResult } from './policy/build.js';
export { TaskguardError, isTaskguardError, type TaskguardErrorCode } from './errors.js';
