import type { ServerResponse } from 'node:http';
import { TaskguardError } from '../errors.js';
import { sendError, type RequestId } from './reply.js';
import { DEFAULT_SESSION_LIMITS, type SessionLimits, type SessionRefusal } from './sessions.js';

/**
 * JSON-RPC error codes the HTTP host answers with, next to the guard's (-32003..-32007, src/wire/rpc-errors.ts).
 * Stable: clients may branch on them.
 */
export const HTTP_HOST_RPC_ERRORS = {
  /** A new session past a cap: close one (DELETE) or retry after `retry_after_ms`. */
  sessionLimit: -32008,
} as const;

/** The limits with defaults filled in; a limit that is not a positive whole number is refused at construction. */
export function sessionLimits(given: Partial<SessionLimits> = {}): SessionLimits {
  const limits = { ...DEFAULT_SESSION_LIMITS, ...given };
  for (const [key, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 1) throw new TaskguardError('usage', `sessions.${key}: must be a whole number of at least 1, got ${String(value)}`);
  }
  return limits;
}

/**
 * A cap refused a new session: 429 when it is the caller's own (they can close one), 503 when the host is
 * full. Retry-After says when the soonest idle session expires; open sessions are never closed to make room.
 */
export function sendSessionRefusal(res: ServerResponse, refusal: SessionRefusal, id: RequestId): void {
  res.setHeader('retry-after', String(Math.max(1, Math.ceil(refusal.retryAfterMs / 1000))));
  const message = refusal.scope === 'principal'
    ? `too many open sessions for this identity (at most ${refusal.limit}): close one or retry later`
    : `too many open sessions on this host (at most ${refusal.limit}): retry later`;
  sendError(res, refusal.scope === 'principal' ? 429 : 503, HTTP_HOST_RPC_ERRORS.sessionLimit, message, id,
    { scope: refusal.scope, limit: refusal.limit, retry_after_ms: refusal.retryAfterMs });
}
