import type { JWTPayload, JWTVerifyOptions } from 'jose';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { OAuthTokenVerifier } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import { InvalidTokenError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import { VerifiedTokenCache, type VerifiedToken } from './cache.js';
import { principalFromClaims } from './claims.js';
import { validateIdentityConfig, type IdentityConfig } from './config.js';
import { verificationKey, verifyJwt } from './keys.js';
import { PRINCIPAL_EXTRA_KEY } from './principal.js';
import { rejectionReason } from './rejection.js';

export interface TokenVerifierOptions {
  /** Milliseconds since the epoch; for tests. Used for every time check, jose's included. */
  now?: () => number;
}

// Far above any real access token; stops hashing and parsing of arbitrarily large input.
const MAX_TOKEN_LENGTH = 16_384;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * The SDK's OAuthTokenVerifier over JWT access tokens. Every failure, of whatever kind, is an
 * InvalidTokenError with a short fixed reason (fail closed); the token itself never appears in one.
 * The config is validated again here, so a hand-built config gets the same guarantees as a loaded one.
 */
export function createTokenVerifier(config: IdentityConfig, options: TokenVerifierOptions = {}): OAuthTokenVerifier {
  const checked = validateIdentityConfig(config);
  const now = options.now ?? Date.now;
  const key = verificationKey(checked);
  const cache = new VerifiedTokenCache({ maxEntries: checked.cache.max_entries, maxTtlMs: checked.cache.max_ttl_s * 1000, now });
  const verifyOptions = (): JWTVerifyOptions => ({
    issuer: checked.issuer,
    audience: [...checked.audience],
    algorithms: [...checked.algorithms],
    clockTolerance: checked.clock_tolerance_s,
    requiredClaims: ['exp', 'sub'],
    currentDate: new Date(now()),
  });

  return {
    async verifyAccessToken(token: string): Promise<AuthInfo> {
      if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH || !COMPACT_JWS.test(token)) {
        throw new InvalidTokenError('malformed token');
      }
      const cached = cache.get(token);
      if (cached) return toAuthInfo(token, cached);
      let verified: VerifiedToken;
      try {
        const { payload } = await verifyJwt(token, key, verifyOptions());
        verified = { principal: principalFromClaims(payload, checked), resource: matchedResource(payload, checked.audience) };
      } catch (err) {
        throw new InvalidTokenError(rejectionReason(err));
      }
      cache.set(token, verified);
      return toAuthInfo(token, verified);
    },
  };
}

/** A fresh AuthInfo per call: the cached Principal is frozen, but the SDK's types let callers edit the rest. */
function toAuthInfo(token: string, verified: VerifiedToken): AuthInfo {
  const { principal } = verified;
  return {
    token,
    clientId: principal.clientId,
    scopes: [...principal.scopes],
    expiresAt: principal.expiresAtMs / 1000,
    ...(verified.resource === undefined ? {} : { resource: new URL(verified.resource) }),
    extra: { [PRINCIPAL_EXTRA_KEY]: principal },
  };
}

/** The configured audience this token was issued for, when it is a URL: the RFC 8707 resource. */
function matchedResource(payload: JWTPayload, audience: readonly string[]): string | undefined {
  const aud = typeof payload.aud === 'string' ? [payload.aud] : payload.aud ?? [];
  const matched = audience.find((a) => aud.includes(a));
  if (matched === undefined) return undefined;
  try {
    return new URL(matched).href;
  } catch {
    return undefined;
  }
}
