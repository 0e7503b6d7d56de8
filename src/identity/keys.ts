import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey, type JWTVerifyOptions, type JWTVerifyResult } from 'jose';
import type { IdentityConfig } from './config.js';
import { KeySetUnavailable } from './rejection.js';

/** What jose verifies signatures with: a key resolver over a JWKS, or the HMAC secret. */
export type VerificationKey = JWTVerifyGetKey | Uint8Array;

/**
 * The verification key for the configured source. A remote JWKS is fetched lazily, cached for
 * `jwks.cache_max_age_s`, and refetched when a token names an unknown kid (key rotation) at most once per
 * `jwks.cooldown_s`, so random kids cannot turn the verifier into a fetch amplifier.
 */
export function verificationKey(config: IdentityConfig): VerificationKey {
  if (config.jwks_uri !== undefined) {
    const remote = createRemoteJWKSet(new URL(config.jwks_uri), {
      cacheMaxAge: config.jwks.cache_max_age_s * 1000,
      cooldownDuration: config.jwks.cooldown_s * 1000,
      timeoutDuration: config.jwks.timeout_ms,
    });
    return async (header, token) => {
      try {
        return await remote(header, token);
      } catch (err) {
        // Key selection answers stay as they are; fetch, HTTP and parse failures are an unavailable key set.
        const selection = err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys
          || err instanceof errors.JOSENotSupported;
        if (selection) throw err;
        throw new KeySetUnavailable();
      }
    };
  }
  if (config.keys !== undefined) return createLocalJWKSet({ keys: config.keys.map((k) => ({ ...k })) });
  if (config.shared_secret !== undefined) return new Uint8Array(Buffer.from(config.shared_secret, 'base64url'));
  // validateIdentityConfig guarantees a source; a config built by hand without one verifies nothing.
  throw new KeySetUnavailable();
}

/**
 * jwtVerify, plus the case jose leaves to the caller: several keys in the set match the token's header (no
 * kid, same key type). Each candidate is tried; only a signature mismatch moves on to the next one.
 */
export async function verifyJwt(token: string, key: VerificationKey, options: JWTVerifyOptions): Promise<JWTVerifyResult> {
  try {
    return await jwtVerify(token, key, options);
  } catch (err) {
    if (!(err instanceof errors.JWKSMultipleMatchingKeys)) throw err;
    for await (const candidate of err) {
      try {
        return await jwtVerify(token, candidate, options);
      } catch (inner) {
        if (!(inner instanceof errors.JWSSignatureVerificationFailed)) throw inner;
      }
    }
    throw new errors.JWSSignatureVerificationFailed();
  }
}
