import { LRUCache } from 'lru-cache';
import { sha256Hex } from '../util/digest.js';
import type { Principal } from './principal.js';

export interface VerifiedToken {
  readonly principal: Principal;
  /** The matched audience, when it is a URL (AuthInfo.resource). */
  readonly resource: string | undefined;
}

/**
 * Recently verified tokens, so a client polling a task does not pay a signature check per request.
 * Keys are sha256 of the token: a heap dump or a debugger shows digests, never bearer tokens. Entries live
 * at most `maxTtlMs` and never beyond the token's exp; exp is also re-checked on every hit with the
 * verifier's clock, so no clock disagreement can make a cached token outlive its exp.
 */
export class VerifiedTokenCache {
  readonly #lru: LRUCache<string, VerifiedToken> | undefined;
  readonly #maxTtlMs: number;
  readonly #now: () => number;

  constructor(options: { maxEntries: number; maxTtlMs: number; now: () => number }) {
    this.#maxTtlMs = options.maxTtlMs;
    this.#now = options.now;
    this.#lru = options.maxTtlMs > 0 ? new LRUCache({ max: options.maxEntries }) : undefined;
  }

  get(token: string): VerifiedToken | undefined {
    if (!this.#lru) return undefined;
    const key = sha256Hex(token);
    const entry = this.#lru.get(key);
    if (entry && this.#now() >= entry.principal.expiresAtMs) {
      this.#lru.delete(key);
      return undefined;
    }
    return entry;
  }

  set(token: string, entry: VerifiedToken): void {
    if (!this.#lru) return;
    const ttl = Math.min(this.#maxTtlMs, entry.principal.expiresAtMs - this.#now());
    // A token accepted only thanks to clock tolerance (already past exp) is not worth remembering.
    if (ttl >= 1) this.#lru.set(sha256Hex(token), entry, { ttl: Math.floor(ttl) });
  }
}
