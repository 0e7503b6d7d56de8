import { DECISION_ENTRYPOINT } from '../decision/bundle.js';
import type { ObservedDecision, ObservedRefusal } from '../guard/observer.js';
import type { ShadowDisagreement } from '../shadow/shadow-observer.js';

/**
 * OPA's decision log event (`EventV1`, v1/plugins/logs/plugin.go), the fields taskguard fills. Collectors
 * that take OPA's uploads read these names; `custom.taskguard` carries what OPA has no field for.
 */
export interface EventV1 {
  labels: Readonly<Record<string, string>>;
  decision_id: string;
  bundles?: Record<string, { revision: string }>;
  path: string;
  input?: unknown;
  result?: unknown;
  nd_builtin_cache?: unknown;
  erased?: string[];
  masked?: string[];
  /** RFC 3339, UTC, nanosecond digits. */
  timestamp: string;
  metrics?: Record<string, number>;
  custom?: { taskguard: TaskguardFields };
}

/**
 * `decided_by`: `policy` for an evaluation, `guard` for a refusal the guard made before or instead of one,
 * `shadow` for a shadow candidate's disagreement with the live decision (see shadowEvent).
 */
export interface TaskguardFields {
  decided_by: 'policy' | 'guard' | 'shadow';
  op: string;
  data_revision: string;
  shadow?: ShadowFields;
}

/** A shadow disagreement: the live decision it shadows, how it differs, and the candidate's own answer. */
export interface ShadowFields {
  of_decision_id: string;
  disagreement: 'outcome' | 'detail';
  result: unknown;
  policy_revision: string;
  data_revision: string;
}

/** The name `bundles` files taskguard's one policy under, as OPA names a bundle by its config key. */
export const BUNDLE_NAME = 'taskguard';

/** An evaluation, as OPA logs one: the input the policy saw, its answer, the revision that answered, the time it took. */
export function decisionEvent(observed: ObservedDecision, labels: Readonly<Record<string, string>>): EventV1 {
  return {
    labels,
    decision_id: observed.decisionId,
    bundles: { [BUNDLE_NAME]: { revision: observed.policyRevision } },
    path: DECISION_ENTRYPOINT,
    input: observed.input,
    result: observed.decision,
    timestamp: rfc3339Nanos(observed.timeMs),
    metrics: { timer_rego_query_eval_ns: observed.evalNs },
    custom: { taskguard: { decided_by: 'policy', op: observed.input.op, data_revision: observed.dataRevision } },
  };
}

/**
 * A refusal the guard made itself (a rate limit, a missing capability, a local failure), in the shape of the
 * decision it stands for: same path, a result with `allow: false` and the reason, so a collector that counts
 * denials by `result.allow` counts every refused request, as the audit log does. There is no `input` (the
 * policy saw none; a replay has nothing to evaluate) and no `metrics` (nothing was evaluated); `bundles` is
 * the policy active at the time, as in the audit record.
 */
export function refusalEvent(observed: ObservedRefusal, policy: { revision: string; dataRevision: string }, labels: Readonly<Record<string, string>>): EventV1 {
  return {
    labels,
    decision_id: observed.decisionId,
    bundles: { [BUNDLE_NAME]: { revision: policy.revision } },
    path: DECISION_ENTRYPOINT,
    result: { allow: false, reasons: [observed.reason], delegated: false },
    timestamp: rfc3339Nanos(observed.timeMs),
    custom: { taskguard: { decided_by: 'guard', op: observed.op, data_revision: policy.dataRevision } },
  };
}

/**
 * A shadow candidate answering otherwise than the live policy: the live decision's event (its input and
 * `result`, masked like it) under an id of its own, with the candidate's answer and revisions in
 * `custom.taskguard.shadow`. Its own id keeps a collector that keys by decision_id from overwriting the live
 * decision's event; `of_decision_id` joins the two. `taskguard replay` skips these events.
 */
export function shadowEvent(d: ShadowDisagreement, decisionId: string, labels: Readonly<Record<string, string>>): EventV1 {
  return {
    labels,
    decision_id: decisionId,
    bundles: { [BUNDLE_NAME]: { revision: d.liveRevision.policy } },
    path: DECISION_ENTRYPOINT,
    input: d.input,
    result: d.live,
    timestamp: rfc3339Nanos(d.input.now_ms),
    custom: {
      taskguard: {
        decided_by: 'shadow', op: d.input.op, data_revision: d.liveRevision.data,
        shadow: { of_decision_id: d.decisionId, disagreement: d.kind, result: d.candidate, policy_revision: d.candidateRevision.policy, data_revision: d.candidateRevision.data },
      },
    },
  };
}

let lastMs = Number.NaN;
let lastStamp = '';

/**
 * `2026-12-01T07:27:48.158000000Z`: Go's RFC3339Nano layout reads it; the clock has millisecond precision.
 * Decisions come many to a millisecond, so the last one is kept.
 */
export function rfc3339Nanos(ms: number): string {
  if (ms !== lastMs) {
    lastStamp = `${new Date(ms).toISOString().slice(0, -1)}000000Z`;
    lastMs = ms;
  }
  return lastStamp;
}
