import type { JWTPayload } from 'jose';
import { isRecord } from '../decision/parse.js';
import type { ClaimPath, IdentityConfig } from './config.js';
import { freezePrincipal, type Principal } from './principal.js';
import { TokenRejected } from './rejection.js';

/**
 * Maps a verified payload to a Principal. Identity claims that are missing (tenant without a default, client
 * id, sub) or present with the wrong type reject the token rather than degrade to something weaker: a
 * malformed `roles` must not silently become "no roles" any more than a malformed tenant may become the default.
 * `null` counts as absent, as some issuers emit it for unset claims.
 */
export function principalFromClaims(payload: JWTPayload, config: IdentityConfig): Principal {
  const { claims } = config;
  const sub = payload.sub;
  if (typeof sub !== 'string' || sub === '') throw reject('token has no subject');

  const rawTenant = readClaim(payload, claims.tenant);
  let tenant: string;
  if (rawTenant === undefined) {
    if (config.default_tenant === undefined) throw reject('token has no tenant');
    tenant = config.default_tenant;
  } else if (typeof rawTenant === 'string' && rawTenant !== '') tenant = rawTenant;
  else throw reject('tenant claim malformed');

  // First claim present wins; a present but malformed one does not fall through to the next.
  const rawClientId = claims.client_id.map((path) => readClaim(payload, path)).find((v) => v !== undefined);
  if (rawClientId === undefined) throw reject('token has no client id');
  if (typeof rawClientId !== 'string' || rawClientId === '') throw reject('client id claim malformed');

  const acr = readClaim(payload, claims.acr) ?? '';
  if (typeof acr !== 'string') throw reject('acr claim malformed');

  const authTime = readClaim(payload, claims.auth_time) ?? 0;
  if (typeof authTime !== 'number' || !Number.isFinite(authTime) || authTime < 0) throw reject('auth_time claim malformed');

  const act = readClaim(payload, claims.act);
  if (act !== undefined && !(isRecord(act) && typeof act['sub'] === 'string' && act['sub'] !== '')) throw reject('act claim malformed');

  if (typeof payload.iss !== 'string' || typeof payload.exp !== 'number') throw reject('malformed token');
  return freezePrincipal({
    sub,
    tenant,
    clientId: rawClientId,
    scopes: wordList(readClaim(payload, claims.scope), 'scope claim malformed'),
    roles: wordList(readClaim(payload, claims.roles), 'roles claim malformed'),
    acr,
    authTimeMs: Math.floor(authTime * 1000),
    ...(act === undefined ? {} : { act: { sub: (act as { sub: string }).sub } }),
    issuer: payload.iss,
    expiresAtMs: Math.floor(payload.exp * 1000),
  });
}

/**
 * Reads a claim. A list is followed segment by segment exactly. A string is split on dots, and at each level
 * the longest run of segments that names an existing key wins, so 'https://example.com/claims.tenant' finds
 * `tenant` inside the `https://example.com/claims` object. Only own properties count, so a path can never
 * reach `constructor` or `__proto__` through the prototype chain.
 */
export function readClaim(payload: Record<string, unknown>, path: ClaimPath): unknown {
  const value = typeof path === 'string' ? readDotted(payload, path.split('.'), 0) : readSegments(payload, path);
  return value === null ? undefined : value;
}

function readSegments(root: unknown, segments: readonly string[]): unknown {
  let node = root;
  for (const segment of segments) {
    if (!isRecord(node) || !Object.hasOwn(node, segment)) return undefined;
    node = node[segment];
  }
  return node;
}

function readDotted(node: unknown, segments: readonly string[], start: number): unknown {
  if (start === segments.length) return node;
  if (!isRecord(node)) return undefined;
  for (let end = segments.length; end > start; end--) {
    const key = segments.slice(start, end).join('.');
    if (Object.hasOwn(node, key)) return readDotted(node[key], segments, end);
  }
  return undefined;
}

/** A space-separated string ('a b') or an array of non-empty strings; absent is empty. Duplicates are dropped. */
function wordList(value: unknown, malformed: string): string[] {
  if (value === undefined) return [];
  let words: unknown[];
  if (typeof value === 'string') words = value.split(/\s+/).filter((w) => w !== '');
  else if (Array.isArray(value)) words = value;
  else throw reject(malformed);
  if (!words.every((w) => typeof w === 'string' && w !== '')) throw reject(malformed);
  return [...new Set(words as string[])];
}

function reject(reason: string): TokenRejected {
  return new TokenRejected(reason);
}
