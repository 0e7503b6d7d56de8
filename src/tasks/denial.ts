import type { Decision, Operation } from '../decision/types.js';
import type { TaskRecord } from '../stores/types.js';
import { accessDenied, alreadyTerminal, type GuardRpcError, stepUpRequired, taskNotFound } from './rpc-errors.js';

/**
 * Reasons that must read as "no such task": the caller is not bound to it, it is gone, or the engine could
 * not decide (answering anything else there could depend on whether the task exists).
 */
const HIDDEN = new Set(['task_missing', 'tenant_mismatch', 'sub_mismatch', 'client_mismatch', 'owner_invalid', 'task_expired']);

/**
 * Reasons about the caller alone. They are answered the same whether or not the task exists, so a refused
 * caller (an untrusted actor, say) cannot use them to tell real task ids from made-up ones.
 */
const CALLER_REASONS = new Set(['actor_not_allowed', 'principal_incomplete', 'clock_missing']);

/** Operations on one stored task: a denial of any of them must not tell a foreign task from a missing one. */
const ON_A_TASK = new Set<Operation>(['get', 'result', 'cancel', 'input']);

/** The answer to a denied task operation (get, result, cancel, input) or tasks/list. */
export function denial(op: Operation, record: TaskRecord | undefined, decision: Decision): GuardRpcError {
  const callerReasons = decision.reasons.filter((r) => CALLER_REASONS.has(r));
  if (callerReasons.length > 0) return accessDenied(callerReasons);
  if (ON_A_TASK.has(op) && (!record || decision.error !== undefined || decision.reasons.some((r) => HIDDEN.has(r)))) return taskNotFound();
  if (decision.reasons.includes('step_up_required') && decision.step_up) return stepUpRequired(decision.step_up);
  if (op === 'cancel' && decision.reasons.includes('task_terminal')) return alreadyTerminal();
  return accessDenied(decision.reasons);
}
