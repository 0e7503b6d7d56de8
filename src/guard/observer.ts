import type { Decision, DecisionInput, Operation } from '../decision/types.js';

/**
 * One policy evaluation, as the guard made it: the exact input the policy saw, its answer, the snapshot that
 * answered, and how long the evaluation took. The same decision_id is in the audit record. The input holds
 * what the policy needs and nothing else: no token, though task ids (bearer-like handles) and identity
 * fields are in it, so an observer that ships events off the host masks them first.
 */
export interface ObservedDecision {
  readonly decisionId: string;
  readonly input: Readonly<DecisionInput>;
  readonly decision: Decision;
  readonly policyRevision: string;
  readonly dataRevision: string;
  /** When the decision was made (the input's now_ms). */
  readonly timeMs: number;
  /** Wall time of the policy evaluation alone, in nanoseconds. */
  readonly evalNs: number;
}

/** A refusal the guard made itself, before or instead of a policy evaluation. */
export interface ObservedRefusal {
  readonly decisionId: string;
  readonly op: Operation;
  /** `rate_limited`, `tasks_not_declared`, `internal_error`, ... as in the audit record. */
  readonly reason: string;
  readonly timeMs: number;
}

/**
 * Watches decisions without taking part in them: decision logs, metrics and shadow evaluation hang here.
 * Called synchronously after the audit record, so an observer must be cheap and must not throw (the guard
 * catches and drops what one throws: an observer can never change or block an answer).
 */
export interface GuardObserver {
  decided?(event: ObservedDecision): void;
  refused?(event: ObservedRefusal): void;
}
