import type { Decision, Operation } from '../decision/types.js';
import type { TaskRecord } from '../stores/types.js';
import { accessDenied, deny, notFound, type GuardDenial } from './denials.js';

/**
 * Reasons that must read as "no such task": the caller is not bound to it, it is gone, or the engine could
 * not decide (answering anything else there could depend on whether the task exists).
 */
const HIDDEN = new Set(['task_missing', 'tenant_mismatch', 'sub_mismatch', 'client_mismatch', 'owner_invalid', 'task_expired']);

/** Reasons that say only that the caller is not the task's owner. */
const NOT_THE_OWNER = new Set(['tenant_mismatch', 'sub_mismatch', 'client_mismatch']);

/**
 * Reasons about the caller alone. They are answered the same whether or not the task exists, so a refused
 * caller (an untrusted actor, say) cannot use them to tell real task ids from made-up ones.
 */
const CALLER_REASONS = new Set(['actor_not_allowed', 'principal_incomplete', 'clock_missing', 'wire_unknown']);

/** Operations on one stored task: a denial of any of them must not tell a foreign task from a missing one. */
const ON_A_TASK = new Set<Operation>(['get', 'result', 'cancel', 'input']);

/**
 * The one reading of a denied decision: what the caller is told. Step-up is the one actionable denial
 * (RFC 9470), offered only when nothing hidden is at stake.
 */
export function denialOf(op: Operation, decision: Decision, context: { record?: TaskRecord | undefined; tool?: string } = {}): GuardDenial {
  const { reasons } = decision;
  if (ON_A_TASK.has(op)) {
    const callerReasons = reasons.filter((r) => CALLER_REASONS.has(r));
    if (callerReasons.length > 0) return accessDenied(callerReasons);
    if (!context.record || decision.error !== undefined || reasons.some((r) => HIDDEN.has(r))) return notFound();
  }
  // MCP: a task-required tool called plainly, or a task-forbidden tool called as a task, is -32601.
  if (context.tool !== undefined && reasons.includes('task_forbidden')) return deny({ kind: 'task_support', tool: context.tool, support: 'forbidden' });
  if (context.tool !== undefined && reasons.includes('task_required')) return deny({ kind: 'task_support', tool: context.tool, support: 'required' });
  if (reasons.includes('step_up_required') && decision.step_up) return deny({ kind: 'step_up', obligation: decision.step_up });
  if (op === 'cancel' && reasons.includes('task_terminal')) return deny({ kind: 'already_terminal' });
  return accessDenied(reasons);
}

/**
 * The refusal of what a task's status would show (2026-07-28 tasks/get inlines the result or the question),
 * for a caller whose `get` on that very record was allowed: the caller may know the task, so being refused
 * only for not owning it (a supervisor granted get, not result) is access denied rather than "not found".
 * Everything else reads as the operation itself would (step-up stays step-up, an expired task is gone).
 */
export function payloadDenialOf(op: Operation, decision: Decision, record: TaskRecord): GuardDenial {
  const { reasons } = decision;
  if (decision.error === undefined && reasons.length > 0 && reasons.every((r) => NOT_THE_OWNER.has(r))) return accessDenied(reasons);
  return denialOf(op, decision, { record });
}

/** Whether a denial has exactly this one reason (a refusal some operations answer without an error). */
export function onlyReason(decision: Decision, reason: string): boolean {
  return !decision.allow && decision.error === undefined && decision.reasons.length === 1 && decision.reasons[0] === reason;
}
