import { LRUCache } from 'lru-cache';

/**
 * Per-principal token buckets: `perMinute` operations, refilled continuously. Bounded, so a flood of
 * distinct principals cannot grow memory without limit (an evicted bucket starts full, which only ever
 * errs towards one more minute's allowance for an idle principal).
 */
export interface RateLimiter {
  /** Takes one token; returns 0 when allowed, else the milliseconds until a token is available. */
  take(key: string, nowMs: number): number;
  /** A policy activation changed the limit: buckets keep their tokens, capped at the new limit. */
  setRate(perMinute: number): void;
  readonly perMinute: number;
}

export function createRateLimiter(perMinute: number, maxPrincipals = 100_000): RateLimiter {
  const buckets = new LRUCache<string, { tokens: number; atMs: number }>({ max: maxPrincipals });
  let perMs = perMinute / 60_000;
  return {
    get perMinute() {
      return perMinute;
    },
    setRate(next) {
      perMinute = next;
      perMs = next / 60_000;
    },
    take(key, nowMs) {
      const bucket = buckets.get(key) ?? { tokens: perMinute, atMs: nowMs };
      bucket.tokens = Math.min(perMinute, bucket.tokens + Math.max(0, nowMs - bucket.atMs) * perMs);
      bucket.atMs = nowMs;
      if (bucket.tokens < 1) {
        buckets.set(key, bucket);
        return Math.ceil((1 - bucket.tokens) / perMs);
      }
      bucket.tokens -= 1;
      buckets.set(key, bucket);
      return 0;
    },
  };
}
