import type { Decision } from '../decision/types.js';

/**
 * How a candidate's answer differs from the live one: `outcome` when allow differs (the change a rollout
 * would make visible to callers), `detail` when both allow or both deny but something a caller or the guard
 * acts on differs (reasons, step-up, TTL, poll interval, delegation, revocation, list scope). The engine's
 * own `error` text is not compared: it names the failing policy, which differs by construction.
 */
export type Disagreement = 'outcome' | 'detail';

export function compareDecisions(live: Decision, candidate: Decision): Disagreement | undefined {
  if (live.allow !== candidate.allow) return 'outcome';
  const same = sameSet(live.reasons, candidate.reasons)
    && live.delegated === candidate.delegated
    && live.ttl_ms === candidate.ttl_ms
    && live.poll_interval_ms === candidate.poll_interval_ms
    && live.revoke_after_result === candidate.revoke_after_result
    && live.list_scope === candidate.list_scope
    && live.step_up?.acr_values === candidate.step_up?.acr_values
    && live.step_up?.max_age_s === candidate.step_up?.max_age_s;
  return same ? undefined : 'detail';
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const seen = new Set(a);
  return b.every((r) => seen.has(r));
}
