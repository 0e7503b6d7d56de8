import type { ActivationOutcome, ActivationTrigger } from '../activation/activator.js';

/**
 * Every label value a taskguard metric can carry, fixed here: a series exists per combination, so a value
 * taken from a request (a principal, a task id, a tool name, an error text) would let clients grow the
 * series without bound. Whatever does not fit a set is folded into a fixed value (`other`).
 */

/** How a policy evaluation ended: an allow, a deny, or the engine failing closed (a deny with an error). */
export const DECISION_OUTCOMES = ['allow', 'deny', 'error'] as const;
export type DecisionOutcome = (typeof DECISION_OUTCOMES)[number];

/**
 * Refusals the guard makes itself, before any policy evaluation. A local failure (`internal_error`) is not
 * counted here but in taskguard_local_errors_total; any reason not listed is `other`.
 */
export const REFUSAL_REASONS = ['rate_limited', 'tasks_not_declared', 'other'] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

export const LOCAL_FAILURE_REASON = 'internal_error';

/** Where a local failure happened: while serving a request, or in a sweep or lease pass. */
export const LOCAL_ERROR_PATHS = ['request', 'background'] as const;
export type LocalErrorPath = (typeof LOCAL_ERROR_PATHS)[number];

export const ACTIVATION_TRIGGERS = ['start', 'files', 'sighup', 'service'] as const satisfies readonly ActivationTrigger[];
export const ACTIVATION_RESULTS = ['activated', 'unchanged', 'refused'] as const satisfies readonly ActivationOutcome['kind'][];

/** The statuses a task ends in; each task ends once (a compare-and-set), recorded by the host that ended it. */
export const END_STATUSES = ['completed', 'failed', 'cancelled'] as const;

/**
 * Decision evaluation takes microseconds (8-10 us p50 in the decision bench), so the buckets start at 1 us;
 * the last ones catch a cold wasm instance or a garbage collection pause. Seconds, per Prometheus convention.
 */
export const DECISION_BUCKETS_S = [1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 1e-3, 1e-2] as const;

/** An audit append builds, hashes and queues one record: microseconds too, with room for a slow sink. */
export const AUDIT_BUCKETS_S = [2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 1e-3, 1e-2, 1e-1] as const;

export function refusalReason(reason: string): RefusalReason {
  return (REFUSAL_REASONS as readonly string[]).includes(reason) ? (reason as RefusalReason) : 'other';
}

/** Position of `value` in `values`, for the counters kept in arrays; -1 when it is not one of them. */
export function indexer(values: readonly string[]): (value: string) => number {
  const positions = new Map(values.map((v, i) => [v, i]));
  return (value) => positions.get(value) ?? -1;
}
