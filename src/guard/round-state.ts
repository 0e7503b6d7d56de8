import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { RoundPhase, RoundState } from './rounds.js';

/**
 * The request state of a plain call's input rounds: sealed with AES-256-GCM, the caller's identity key and
 * the tool as associated data. It round-trips through the client, so it is attacker-controlled on re-entry:
 * an edited state, one sealed for another caller (user, tenant, client app or actor) or another tool, and
 * one past its expiry all fail to open, alike. The client can read nothing in it, not even whose it is.
 */
export interface SealedRound {
  /** Whose rounds: a plain call's handler, or the tool gathering input before it becomes a task. */
  phase: RoundPhase;
  /** The round that asked (1 for the first call). */
  round: number;
  /** The keys that round asked: the only answers the next round sees. */
  keys: readonly string[];
  /** What the tool kept, if anything. */
  state: RoundState | undefined;
  expiresMs: number;
}

export interface RoundStateCodec {
  seal(round: SealedRound, binding: string): string;
  /** The sealed round, or undefined for anything that is not a live state sealed for `binding`. */
  open(token: unknown, binding: string, nowMs: number): SealedRound | undefined;
}

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Far above any honest state (questions' keys and a tool's small JSON), far below a request body's cap. */
const MAX_TOKEN_LENGTH = 65_536;

/**
 * `secret` is the guard's shared secret (hosts that share tasks share it, so any of them opens a state
 * another sealed); the key is derived from it for this one use, so it never doubles as the cursor MAC key.
 */
export function createRoundStateCodec(secret: Uint8Array = randomBytes(32)): RoundStateCodec {
  const key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'taskguard request state v1', 32));
  return {
    seal(round, binding) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(binding, 'utf8'));
      const body = JSON.stringify({ p: round.phase, r: round.round, k: round.keys, e: round.expiresMs, ...(round.state !== undefined ? { s: round.state } : {}) });
      const sealed = Buffer.concat([iv, cipher.update(body, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return `${VERSION}.${sealed.toString('base64url')}`;
    },
    open(token, binding, nowMs) {
      if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH || !token.startsWith(`${VERSION}.`)) return undefined;
      const sealed = Buffer.from(token.slice(VERSION.length + 1), 'base64url');
      // base64url decoding skips what it cannot read: only a canonical encoding is the token that was sealed.
      if (sealed.length < IV_BYTES + TAG_BYTES || sealed.toString('base64url') !== token.slice(VERSION.length + 1)) return undefined;
      let body: string;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES));
        decipher.setAAD(Buffer.from(binding, 'utf8'));
        decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
        body = Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]).toString('utf8');
      } catch {
        return undefined;
      }
      const { p, r, k, e, s } = JSON.parse(body) as { p: SealedRound['phase']; r: number; k: string[]; e: number; s?: RoundState };
      if (e <= nowMs) return undefined;
      return { phase: p, round: r, keys: k, expiresMs: e, state: s };
    },
  };
}
