import type { IncomingMessage } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { OAuthTokenVerifier } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import { InvalidTokenError } from '@modelcontextprotocol/sdk/server/auth/errors.js';

/** The outcome of authenticating one HTTP request: the verified AuthInfo, or the 401 challenge to send. */
export type BearerResult = { ok: true; authInfo: AuthInfo } | { ok: false; status: 401; challenge: string; message: string };

const MAX_TOKEN_LENGTH = 16_384;

/**
 * RFC 6750 bearer authentication. The challenge names the error but never echoes the token; a verifier
 * failure that is not an InvalidTokenError still answers invalid_token (fail closed) without its message.
 */
export async function authenticate(req: IncomingMessage, verifier: OAuthTokenVerifier, resourceMetadataUrl?: string): Promise<BearerResult> {
  const meta = resourceMetadataUrl ? `, resource_metadata="${resourceMetadataUrl}"` : '';
  const header = req.headers.authorization;
  if (!header) return { ok: false, status: 401, challenge: `Bearer realm="mcp"${meta}`, message: 'authentication required' };
  const match = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/.exec(header);
  if (!match?.[1] || match[1].length > MAX_TOKEN_LENGTH) {
    return invalid('malformed authorization header', meta);
  }
  try {
    return { ok: true, authInfo: await verifier.verifyAccessToken(match[1]) };
  } catch (err) {
    return invalid(err instanceof InvalidTokenError ? err.message : 'invalid token', meta);
  }
}

function invalid(description: string, meta: string): BearerResult {
  const safe = description.replace(/["\\\r\n]/g, ' ').slice(0, 200);
  return { ok: false, status: 401, challenge: `Bearer error="invalid_token", error_description="${safe}"${meta}`, message: safe };
}
