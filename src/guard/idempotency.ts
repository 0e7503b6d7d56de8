import { canonicalJson, sha256Hex } from '../util/digest.js';
import type { Idempotency } from '../stores/types.js';
import { invalidParams, type GuardDenial } from './denials.js';

/**
 * Where a client puts its idempotency key: in the tools/call request's `_meta`, beside `task`. A retry of a
 * task-creating call with the same key (from the same principal) answers with the task the first one made.
 */
export const IDEMPOTENCY_META_KEY = 'io.taskguard/idempotency-key';

/** Printable ASCII, 1..200: long enough for a UUID or a request hash, and safe to log and index. */
const KEY_SHAPE = /^[\x21-\x7e]{1,200}$/;

/** The key from a tools/call's `_meta`, or undefined when there is none; a malformed key is refused. */
export function idempotencyKeyOf(meta: unknown): string | undefined {
  if (typeof meta !== 'object' || meta === null) return undefined;
  const key = (meta as Record<string, unknown>)[IDEMPOTENCY_META_KEY];
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || !KEY_SHAPE.test(key)) {
    throw invalidParams(`${IDEMPOTENCY_META_KEY} must be 1 to 200 printable ascii characters`);
  }
  return key;
}

/** What the key stands for: the tool, its arguments and the requested TTL, as canonical JSON hashed. */
export function idempotencyFor(key: string, tool: string, args: Record<string, unknown>, requestedTtlMs: number | undefined): Idempotency {
  return { key, digest: sha256Hex(canonicalJson({ tool, arguments: args, ttl: requestedTtlMs ?? null })) };
}

/** The same key sent with a different request: answering with the first task would answer the wrong call. */
export function idempotencyConflict(): GuardDenial {
  return invalidParams('idempotency key was already used for a different request');
}
