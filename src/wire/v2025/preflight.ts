import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { isRecord } from '../../decision/parse.js';
import type { StepUpObligation } from '../../decision/types.js';
import type { Guard } from '../../guard/guard.js';
import { principalFromAuthInfo } from '../../identity/principal.js';
import { withPredecided } from './preflight-ticket.js';
import { ROUTES } from './routes.js';

export interface Preflight {
  /** RFC 9470: the transport answers with a 401 challenge, and the request goes no further. */
  stepUp?: StepUpObligation;
  /** Otherwise the AuthInfo to hand the request on with (carrying the decision already taken, if any). */
  authInfo: AuthInfo;
}

/**
 * For a transport that challenges at its own layer (HTTP 401): routes one JSON-RPC message exactly as its
 * handler will (the same route table and params reading) and asks the guard to decide it now (see
 * Guard.predecide: audited, and only where policy data asks for step-up). A message the handler will refuse
 * for another reason (bad params, no principal, a store failure) passes untouched, and the handler answers it.
 */
export async function preflight(guard: Guard, message: unknown, authInfo: AuthInfo): Promise<Preflight> {
  const principal = principalFromAuthInfo(authInfo);
  if (!principal || !isRecord(message) || typeof message['method'] !== 'string') return { authInfo };
  const route = Object.hasOwn(ROUTES, message['method']) ? ROUTES[message['method']] : undefined;
  if (!route?.routed) return { authInfo };
  try {
    const decision = await guard.predecide(principal, route.routed(route.parse(message['params'])));
    if (decision.stepUp) return { stepUp: decision.stepUp, authInfo };
    return { authInfo: decision.predecided ? withPredecided(authInfo, decision.predecided) : authInfo };
  } catch {
    return { authInfo };
  }
}
