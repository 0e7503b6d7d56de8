// The identity module's public surface: verify a bearer JWT into a Principal, and read it back from AuthInfo.
export { createTokenVerifier, type TokenVerifierOptions } from './verifier.js';
export { validateIdentityConfig, type IdentityConfig, type IdentityClaimsConfig, type ClaimPath } from './config.js';
export { principalFromAuthInfo, PRINCIPAL_EXTRA_KEY, type Principal } from './principal.js';
