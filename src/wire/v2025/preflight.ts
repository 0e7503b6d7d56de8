import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { Guard } from '../../guard/guard.js';
import { preflightWith, type Preflight as WirePreflight } from '../preflight.js';
import { ROUTES } from './routes.js';

export type Preflight = WirePreflight<AuthInfo>;

/** The HTTP host's preflight (see preflightWith) with the 2025-11-25 route table and params reading. */
export function preflight(guard: Guard, message: unknown, authInfo: AuthInfo): Promise<Preflight> {
  return preflightWith(guard, message, authInfo, (method, params) => {
    const route = Object.hasOwn(ROUTES, method) ? ROUTES[method] : undefined;
    return route?.routed?.(route.parse(params));
  });
}
