import type { AuthInfo } from '@modelcontextprotocol/server';
import { isRecord } from '../../decision/parse.js';
import type { Guard } from '../../guard/guard.js';
import { preflightWith, type Preflight as WirePreflight } from '../preflight.js';
import { tasksDeclaredOf } from './params.js';
import { ROUTES } from './routes.js';

export type Preflight = WirePreflight<AuthInfo>;

/**
 * For an HTTP host in front of the v2 handler (see preflightWith): routes the raw message, before the SDK
 * lifts anything out of it, exactly as its handler will, so a step-up is the RFC 9470 401 before any
 * payload (the result a tasks/get would inline, a question).
 */
export function preflight(guard: Guard, message: unknown, authInfo: AuthInfo): Promise<Preflight> {
  return preflightWith(guard, message, authInfo, (method, params) => {
    const route = Object.hasOwn(ROUTES, method) ? ROUTES[method] : undefined;
    const fields = isRecord(params) ? params : {};
    return route?.routed({ params, tasksDeclared: tasksDeclaredOf(fields['_meta']), requestState: fields['requestState'] });
  });
}
