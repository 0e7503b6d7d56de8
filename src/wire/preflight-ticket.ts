import type { Predecided } from '../guard/predecided.js';

/** Where the HTTP host's preflight hands its decision on to the handler, in the request's AuthInfo. */
const PREDECIDED_EXTRA_KEY = 'taskguardPredecided';

/** Tickets this process issued: a value in AuthInfo.extra that is not one of them is ignored. */
const issued = new WeakSet<Predecided>();

/** What this module reads of either SDK's AuthInfo. */
interface WithExtra {
  extra?: Record<string, unknown> | undefined;
}

/** A copy of `authInfo` carrying `predecided` (the cached AuthInfo itself is shared by requests, so never edited). */
export function withPredecided<A extends WithExtra>(authInfo: A, predecided: Predecided): A {
  issued.add(predecided);
  return { ...authInfo, extra: { ...authInfo.extra, [PREDECIDED_EXTRA_KEY]: predecided } };
}

export function predecidedOf(authInfo: WithExtra | undefined): Predecided | undefined {
  const candidate = authInfo?.extra?.[PREDECIDED_EXTRA_KEY];
  return typeof candidate === 'object' && candidate !== null && issued.has(candidate as Predecided) ? (candidate as Predecided) : undefined;
}
