import { errors } from 'jose';
import { InvalidTokenError } from '@modelcontextprotocol/sdk/server/auth/errors.js';

/** The key set could not be fetched or read: the token is rejected, but the fault is not the caller's. */
export class KeySetUnavailable extends Error {
  constructor() {
    super('signing keys unavailable');
    this.name = 'KeySetUnavailable';
  }
}

/**
 * Turns any verification failure into the SDK's InvalidTokenError with a short fixed reason. The reason is
 * chosen from a closed list and the original error is deliberately not attached as a cause: jose errors
 * carry the decoded payload, and nothing from the token may reach a response or a log through us.
 */
export function rejection(err: unknown): InvalidTokenError {
  if (err instanceof InvalidTokenError) return err;
  return new InvalidTokenError(reasonFor(err));
}

function reasonFor(err: unknown): string {
  if (err instanceof KeySetUnavailable) return err.message;
  if (err instanceof errors.JWTExpired) return 'token expired';
  if (err instanceof errors.JWTClaimValidationFailed) return claimReason(err.claim, err.reason);
  if (err instanceof errors.JOSEAlgNotAllowed) return 'algorithm not allowed';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'signature invalid';
  if (err instanceof errors.JWKSNoMatchingKey) return 'no matching key';
  if (err instanceof errors.JOSENotSupported) return 'unsupported token';
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) return 'malformed token';
  return 'token rejected';
}

function claimReason(claim: string, reason: string): string {
  switch (claim) {
    case 'iss': return 'wrong issuer';
    case 'aud': return 'wrong audience';
    case 'nbf': return reason === 'invalid' ? 'malformed token' : 'token not yet valid';
    case 'exp': return reason === 'missing' ? 'token has no expiry' : 'malformed token';
    case 'sub': return 'token has no subject';
    default: return 'malformed token';
  }
}
