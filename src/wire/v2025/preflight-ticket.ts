import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { Predecided } from '../../guard/predecided.js';

/** Where the HTTP host's preflight hands its decision on to the handler, in the request's AuthInfo. */
const PREDECIDED_EXTRA_KEY = 'taskguardPredecided';

/** Tickets this process issued: a value in AuthInfo.extra that is not one of them is ignored. */
const issued = new WeakSet<Predecided>();

/** A copy of `authInfo` carrying `predecided` (the cached AuthInfo itself is shared by requests, so never edited). */
export function withPredecided(authInfo: AuthInfo, predecided: Predecided): AuthInfo {
  issued.add(predecided);
  return { ...authInfo, extra: { ...authInfo.extra, [PREDECIDED_EXTRA_KEY]: predecided } };
}

export function predecidedOf(authInfo: AuthInfo | undefined): Predecided | undefined {
  const candidate = authInfo?.extra?.[PREDECIDED_EXTRA_KEY];
  return typeof candidate === 'object' && candidate !== null && issued.has(candidate as Predecided) ? (candidate as Predecided) : undefined;
}
