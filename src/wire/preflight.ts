import { isRecord } from '../decision/parse.js';
import type { StepUpObligation } from '../decision/types.js';
import type { Guard } from '../guard/guard.js';
import type { RoutedRequest } from '../guard/predecide.js';
import { principalFromAuthInfo, type AuthInfoLike } from '../identity/principal.js';
import { withPredecided } from './preflight-ticket.js';

export interface Preflight<A> {
  /** RFC 9470: the transport answers with a 401 challenge, and the request goes no further. */
  stepUp?: StepUpObligation;
  /** Otherwise the AuthInfo to hand the request on with (carrying the decision already taken, if any). */
  authInfo: A;
}

/**
 * For a transport that challenges at its own layer (HTTP 401): routes one JSON-RPC message exactly as its
 * handler will (`route`: the wire's own route table and params reading) and asks the guard to decide it now
 * (see Guard.predecide: audited, and only where policy data asks for step-up). A message the handler will
 * refuse for another reason (bad params, no principal, a store failure) passes untouched, and the handler
 * answers it.
 */
export async function preflightWith<A extends AuthInfoLike>(
  guard: Guard, message: unknown, authInfo: A, route: (method: string, params: unknown) => RoutedRequest | undefined,
): Promise<Preflight<A>> {
  const principal = principalFromAuthInfo(authInfo);
  if (!principal || !isRecord(message) || typeof message['method'] !== 'string') return { authInfo };
  try {
    const routed = route(message['method'], message['params']);
    if (!routed) return { authInfo };
    const decision = await guard.predecide(principal, routed);
    if (decision.stepUp) return { stepUp: decision.stepUp, authInfo };
    return { authInfo: decision.predecided ? withPredecided(authInfo, decision.predecided) : authInfo };
  } catch {
    return { authInfo };
  }
}
