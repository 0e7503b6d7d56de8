import { errors } from 'jose';

/** The key set could not be fetched or read: the token is rejected, but the fault is not the caller's. */
export class KeySetUnavailable extends Error {
  constructor() {
    super('signing keys unavailable');
    this.name = 'KeySetUnavailable';
  }
}

/** A token refused by a claim check of ours, with its short fixed reason. */
export class TokenRejected extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'TokenRejected';
  }
}

/**
 * The short fixed reason for any verification failure (the verifier turns it into the SDK's
 * InvalidTokenError). The reason is chosen from a closed list and the original error is deliberately never
 * passed on: jose errors carry the decoded payload, and nothing from the token may reach a response or a log
 * through us.
 */
export function rejectionReason(err: unknown): string {
  if (err instanceof TokenRejected || err instanceof KeySetUnavailable) return err.message;
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
