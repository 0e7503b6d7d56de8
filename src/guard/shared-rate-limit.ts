import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { RateLimiter } from './rate-limit.js';

/** A principal's budget is counted per fixed minute: the window a request falls in is floor(now / WINDOW_MS). */
export const WINDOW_MS = 60_000;

/**
 * Where hosts sharing a database count each principal's budget (PostgresTaskStore implements it). One row per
 * principal and window holds how many operations have been handed out to hosts so far.
 */
export interface SliceStore {
  /**
   * Hands out up to `want` operations of `principal`'s budget in the window starting at `windowMs`, never
   * letting the window's total pass `limit`; returns how many it handed out (0 when the budget is spent).
   */
  takeSlice(principal: string, windowMs: number, want: number, limit: number): Promise<number>;
  /** Drops the counts of windows that started before `beforeMs`: their slices expired with them. */
  pruneSlices(beforeMs: number): Promise<void>;
}

export interface SharedRateLimiter extends RateLimiter {
  /** The slice size at the current limit: a host's reach beyond what the database granted it. */
  readonly sliceSize: number;
  /** Resolves when no slice request is in flight (tests and benches wait on it; requests never do). */
  settled(): Promise<void>;
}

export interface SharedRateLimiterOptions {
  /** Told when a slice request fails; the limiter then refuses beyond one slice until the database answers. */
  onError?: (err: Error) => void;
  /** How many principals one host tracks at once; default 100,000 (see createSharedRateLimiter for the bound). */
  maxPrincipals?: number;
}

/** Slices per window at full use: a principal at its limit costs each host this many writes a minute. */
const SLICES_PER_WINDOW = 10;
/** After a failed slice request, the next one waits this long (a down database is not asked per request). */
const RETRY_AFTER_FAILURE_MS = 1000;
/** What a refused request is told to wait while a slice is on its way. */
const RETRY_WHILE_REFILLING_MS = 1000;

/** How many operations one slice holds at `perMinute`. */
export function sliceSizeFor(perMinute: number): number {
  return Math.max(1, Math.ceil(perMinute / SLICES_PER_WINDOW));
}

/**
 * The principal as the database sees it: a digest of the principal key, so rows have a fixed size and no
 * byte PostgreSQL text cannot hold (the key joins its parts with U+0000).
 */
export function sliceKey(principalKey: string): string {
  return createHash('sha256').update(principalKey).digest('base64url');
}

/** One principal's share of one window on this host. */
interface Share {
  /** The principal's sliceKey, computed when the share first asks (most never do: no hash on the hot path). */
  key: string | undefined;
  windowMs: number;
  /** Operations admitted here in this window. */
  used: number;
  /** Operations the database handed to this host in this window. */
  granted: number;
  /** A slice request is in flight. */
  asking: boolean;
  /** The database handed out less than asked: the window's budget is spent. */
  spent: boolean;
  /** No slice request before this time (after a failure). */
  quietUntilMs: number;
}

/**
 * Per-principal limits that hold across hosts sharing a SliceStore, with no database write per request.
 *
 * Each host leases slices of a principal's per-minute budget: `take` is synchronous and local, and when the
 * host's confirmed balance for the principal falls below half a slice it asks the store for the next slice
 * in the background (one conditional write). A host may run up to one slice ahead of what the database has
 * confirmed, so requests never wait for the database and a refill in flight never stalls a busy principal.
 * That credit decides a principal's first requests on a host: they are admitted, and the host first asks
 * once the principal has used half a slice there in the window, so a principal making a few requests a
 * minute costs no write at all, and a busy one about SLICES_PER_WINDOW writes a minute per host.
 *
 * The bound: in each window, H hosts admit at most `perMinute + H * sliceSize` operations of one principal
 * (each host admits at most what it was granted plus one slice, and grants never total more than the limit).
 * The excess is reached only when several hosts spend their credit just as the budget runs out. It holds
 * while a host tracks at most `maxPrincipals` principals in one window (an evicted principal returns with
 * fresh credit). Windows are fixed minutes of the hosts' clocks, which must agree (NTP); slices end with
 * their window. When the store fails, a host admits at most one slice beyond its grants and then refuses:
 * the limit fails closed.
 */
export function createSharedRateLimiter(store: SliceStore, perMinute: number, options: SharedRateLimiterOptions = {}): SharedRateLimiter {
  const shares = new LRUCache<string, Share>({ max: options.maxPrincipals ?? 100_000 });
  const inFlight = new Set<Promise<void>>();
  let slice = sliceSizeFor(perMinute);
  let prunedWindowMs = -Infinity;

  const fail = (err: unknown): void => options.onError?.(err instanceof Error ? err : new Error(String(err)));

  const ask = (principalKey: string, share: Share, nowMs: number): void => {
    share.asking = true;
    share.key ??= sliceKey(principalKey);
    // A full slice ahead of what is used, covering what was admitted on credit: one write, however many
    // requests came first.
    const want = slice + Math.max(0, share.used - share.granted);
    const request = store.takeSlice(share.key, share.windowMs, want, perMinute).then(
      (got) => {
        share.granted += got;
        if (got < want) share.spent = true;
      },
      (err: unknown) => {
        share.quietUntilMs = nowMs + RETRY_AFTER_FAILURE_MS;
        fail(err);
      },
    ).finally(() => {
      share.asking = false;
      inFlight.delete(request);
    });
    inFlight.add(request);
    if (share.windowMs > prunedWindowMs) {
      // Once per window per host: the rows of windows before the previous one are dead.
      prunedWindowMs = share.windowMs;
      const pruning = store.pruneSlices(share.windowMs - WINDOW_MS).catch(fail).finally(() => inFlight.delete(pruning));
      inFlight.add(pruning);
    }
  };

  return {
    get perMinute() {
      return perMinute;
    },
    get sliceSize() {
      return slice;
    },
    setRate(next) {
      perMinute = next;
      slice = sliceSizeFor(next);
      // A raised limit may leave budget where the database said there was none: ask again.
      shares.forEach((share) => (share.spent = false));
    },
    take(principalKey, nowMs) {
      const windowMs = Math.floor(nowMs / WINDOW_MS) * WINDOW_MS;
      let share = shares.get(principalKey);
      if (share === undefined || share.windowMs !== windowMs) {
        // A new window: the old share (and any answer still coming for it) is left behind.
        share = { key: share?.key, windowMs, used: 0, granted: 0, asking: false, spent: false, quietUntilMs: 0 };
        shares.set(principalKey, share);
      }
      const reach = share.granted + (share.spent ? 0 : slice);
      const admitted = share.used < reach;
      if (admitted) share.used += 1;
      const due = share.granted - share.used < slice / 2 && (share.granted > 0 || share.used >= slice / 2);
      if (due && !share.asking && !share.spent && nowMs >= share.quietUntilMs) ask(principalKey, share, nowMs);
      if (admitted) return 0;
      const windowLeftMs = windowMs + WINDOW_MS - nowMs;
      return share.spent ? windowLeftMs : Math.min(windowLeftMs, RETRY_WHILE_REFILLING_MS);
    },
    async settled() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
