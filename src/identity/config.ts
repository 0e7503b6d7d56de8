import type { JWK } from 'jose';
import { isRecord } from '../decision/parse.js';
import { TaskguardError } from '../errors.js';
import { deepFreeze } from '../util/freeze.js';

/**
 * Where a claim lives in the token payload: a name, a dotted path ('ext.tenant'), or a list of path
 * segments for names that themselves contain dots (['https://example.com/claims', 'tenant']).
 */
export type ClaimPath = string | readonly string[];

export interface IdentityClaimsConfig {
  readonly tenant: ClaimPath;
  readonly roles: ClaimPath;
  /** A space-separated string claim ('scope') or an array claim ('scp'). */
  readonly scope: ClaimPath;
  /** Tried in order; the first claim present is the client id. */
  readonly client_id: readonly ClaimPath[];
  readonly acr: ClaimPath;
  readonly auth_time: ClaimPath;
  readonly act: ClaimPath;
}

/**
 * Validated identity configuration, in the YAML's own snake_case. Exactly one of `jwks_uri`, `keys` and
 * `shared_secret` is set; `audience` and `keys` are normalised to lists and every default is filled in.
 */
export interface IdentityConfig {
  readonly issuer: string;
  /** RFC 8707 resource identifiers; a token must name at least one of them in `aud`. */
  readonly audience: readonly string[];
  readonly jwks_uri?: string;
  readonly keys?: readonly JWK[];
  /** base64url; only with HS* algorithms. */
  readonly shared_secret?: string;
  readonly algorithms: readonly string[];
  readonly clock_tolerance_s: number;
  readonly claims: IdentityClaimsConfig;
  /** Used only when a token has no tenant claim: for single-tenant deployments. */
  readonly default_tenant?: string;
  readonly cache: { readonly max_entries: number; readonly max_ttl_s: number };
  readonly jwks: { readonly cache_max_age_s: number; readonly cooldown_s: number; readonly timeout_ms: number };
}

const ASYMMETRIC_ALGORITHMS: readonly string[] = [
  'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519',
];
/** HMAC algorithms and the minimum secret length (bytes) RFC 7518 section 3.2 requires for each. */
const HMAC_MIN_SECRET_BYTES: Readonly<Record<string, number>> = { HS256: 32, HS384: 48, HS512: 64 };
const DEFAULT_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'];

const DEFAULT_CLAIMS: IdentityClaimsConfig = {
  tenant: 'tenant', roles: 'roles', scope: 'scope', client_id: ['azp', 'client_id'],
  acr: 'acr', auth_time: 'auth_time', act: 'act',
};

const TOP_KEYS = ['issuer', 'audience', 'jwks_uri', 'keys', 'shared_secret', 'algorithms', 'clock_tolerance_s', 'claims',
  'default_tenant', 'cache', 'jwks'];
const KEY_SOURCES = ['jwks_uri', 'keys', 'shared_secret'] as const;
const MAX_CLOCK_TOLERANCE_S = 300;
// JWK members that only a private or symmetric key has: a verifier must never hold them.
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k', 'priv'];
const PUBLIC_JWK_MEMBERS: Readonly<Record<string, readonly string[]>> = { RSA: ['n', 'e'], EC: ['crv', 'x', 'y'], OKP: ['crv', 'x'] };

type At = (path: string, message: string) => void;

/**
 * Validates the `identity` section. Every problem is reported at once, each naming its path; messages never
 * repeat a secret or key material. Validating an already validated config returns an equal config.
 */
export function validateIdentityConfig(raw: unknown, source = 'identity'): IdentityConfig {
  const problems: string[] = [];
  const at: At = (p, msg) => void problems.push(`${p}: ${msg}`);
  const p = (key: string): string => `${source}.${key}`;
  if (!isRecord(raw)) throw new TaskguardError('config_invalid', `${source}: must be a mapping`);
  onlyKeys(raw, source, TOP_KEYS, at);

  const issuer = raw['issuer'];
  if (!nonEmpty(issuer)) at(p('issuer'), 'is required and must be a non-empty string');

  const audience = stringOrList(raw['audience'], p('audience'), at);
  if (raw['audience'] === undefined) at(p('audience'), 'is required: the resource (RFC 8707) tokens must be issued for');

  const present = KEY_SOURCES.filter((k) => raw[k] !== undefined);
  if (present.length === 0) at(source, 'needs exactly one key source: jwks_uri, keys or shared_secret');
  if (present.length > 1) at(source, `has ${present.join(' and ')}: configure exactly one key source`);
  const jwksUri = raw['jwks_uri'] === undefined ? undefined : validateJwksUri(raw['jwks_uri'], p('jwks_uri'), at);
  const keys = raw['keys'] === undefined ? undefined : validateKeys(raw['keys'], p('keys'), at);
  const secret = raw['shared_secret'];
  if (secret !== undefined && (typeof secret !== 'string' || !/^[A-Za-z0-9_-]+$/.test(secret))) {
    at(p('shared_secret'), 'must be a base64url string (A-Z a-z 0-9 - _, no padding)');
  }

  const algorithms = validateAlgorithms(raw, source, secret !== undefined, at);

  const tolerance = wholeNumber(raw['clock_tolerance_s'], p('clock_tolerance_s'), 30, at);
  if (tolerance > MAX_CLOCK_TOLERANCE_S) at(p('clock_tolerance_s'), `must be at most ${MAX_CLOCK_TOLERANCE_S}`);

  const claims = validateClaims(raw['claims'], p('claims'), at);

  const defaultTenant = raw['default_tenant'];
  if (defaultTenant !== undefined && !nonEmpty(defaultTenant)) at(p('default_tenant'), 'must be a non-empty string');

  const cache = section(raw['cache'], p('cache'), ['max_entries', 'max_ttl_s'], at);
  const maxEntries = wholeNumber(cache['max_entries'], p('cache.max_entries'), 10_000, at);
  if (maxEntries === 0) at(p('cache.max_entries'), 'must be at least 1 (set cache.max_ttl_s: 0 to disable the cache)');
  const maxTtlS = wholeNumber(cache['max_ttl_s'], p('cache.max_ttl_s'), 300, at);
  const jwks = section(raw['jwks'], p('jwks'), ['cache_max_age_s', 'cooldown_s', 'timeout_ms'], at);
  const cacheMaxAgeS = wholeNumber(jwks['cache_max_age_s'], p('jwks.cache_max_age_s'), 600, at);
  const cooldownS = wholeNumber(jwks['cooldown_s'], p('jwks.cooldown_s'), 30, at);
  const timeoutMs = wholeNumber(jwks['timeout_ms'], p('jwks.timeout_ms'), 5000, at);
  if (timeoutMs === 0) at(p('jwks.timeout_ms'), 'must be at least 1');

  if (problems.length > 0) throw new TaskguardError('config_invalid', problems.join('; '));
  return deepFreeze({
    issuer: issuer as string,
    audience: audience ?? [],
    ...(jwksUri === undefined ? {} : { jwks_uri: jwksUri }),
    ...(keys === undefined ? {} : { keys }),
    ...(secret === undefined ? {} : { shared_secret: secret as string }),
    algorithms,
    clock_tolerance_s: tolerance,
    claims,
    ...(defaultTenant === undefined ? {} : { default_tenant: defaultTenant as string }),
    cache: { max_entries: maxEntries, max_ttl_s: maxTtlS },
    jwks: { cache_max_age_s: cacheMaxAgeS, cooldown_s: cooldownS, timeout_ms: timeoutMs },
  });
}

/**
 * The allow-list is what stops algorithm confusion: HMAC only with a shared secret, public-key algorithms only
 * with public keys, so a public key can never be used as an HMAC secret, and `none` never at all.
 */
function validateAlgorithms(raw: Record<string, unknown>, source: string, hasSecret: boolean, at: At): string[] {
  const p = `${source}.algorithms`;
  const value = raw['algorithms'];
  if (value === undefined) {
    if (hasSecret) at(`${source}.shared_secret`, `needs an explicit HS256, HS384 or HS512 in ${p}`);
    return [...DEFAULT_ALGORITHMS];
  }
  if (!Array.isArray(value) || value.length === 0) {
    at(p, 'must be a non-empty list of algorithm names');
    return [];
  }
  const out: string[] = [];
  value.forEach((alg: unknown, i) => {
    const ip = `${p}[${i}]`;
    if (typeof alg !== 'string') return at(ip, 'must be a string');
    if (alg.toLowerCase() === 'none') return at(ip, 'none is never accepted');
    const hmac = HMAC_MIN_SECRET_BYTES[alg] !== undefined;
    if (!hmac && !ASYMMETRIC_ALGORITHMS.includes(alg)) {
      return at(ip, `${alg.slice(0, 20)} is not supported (one of ${[...Object.keys(HMAC_MIN_SECRET_BYTES), ...ASYMMETRIC_ALGORITHMS].join(', ')})`);
    }
    if (hmac && !hasSecret) return at(ip, `${alg} is only allowed with shared_secret`);
    if (!hmac && hasSecret) return at(ip, `${alg} needs jwks_uri or keys, not shared_secret`);
    if (!out.includes(alg)) out.push(alg);
  });
  if (hasSecret) {
    if (!value.some((a) => typeof a === 'string' && HMAC_MIN_SECRET_BYTES[a] !== undefined)) {
      at(`${source}.shared_secret`, `needs an explicit HS256, HS384 or HS512 in ${p}`);
    }
    const secret = raw['shared_secret'];
    const bytes = typeof secret === 'string' ? Buffer.from(secret, 'base64url').length : 0;
    const needed = Math.max(0, ...out.map((a) => HMAC_MIN_SECRET_BYTES[a] ?? 0));
    if (typeof secret === 'string' && bytes < needed) {
      at(`${source}.shared_secret`, `is ${bytes} bytes; ${out.join(', ')} need at least ${needed}`);
    }
  }
  return out;
}

function validateJwksUri(value: unknown, p: string, at: At): string | undefined {
  if (typeof value !== 'string') return void at(p, 'must be an http(s) url');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return void at(p, 'must be an http(s) url');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return void at(p, 'must be an http(s) url');
  // Credentials in the URL would end up in logs and error reports along with the URL.
  if (url.username !== '' || url.password !== '') return void at(p, 'must not carry credentials');
  return value;
}

/** A list of public JWKs, or a JWKS document {keys: [...]}. Normalised to the list. */
function validateKeys(value: unknown, p: string, at: At): JWK[] | undefined {
  let list: unknown = value;
  let lp = p;
  if (isRecord(value)) {
    onlyKeys(value, p, ['keys'], at);
    list = value['keys'];
    lp = `${p}.keys`;
  }
  if (!Array.isArray(list) || list.length === 0) return void at(lp, 'must be a non-empty list of public JWKs (or a JWKS {keys: [...]})');
  const out: JWK[] = [];
  list.forEach((jwk: unknown, i) => {
    const kp = `${lp}[${i}]`;
    if (!isRecord(jwk)) return at(kp, 'must be a JWK mapping');
    const kty = jwk['kty'];
    if (kty === 'oct') return at(kp, 'is a symmetric key; use shared_secret for HMAC');
    const required = typeof kty === 'string' ? PUBLIC_JWK_MEMBERS[kty] : undefined;
    if (!required) return at(`${kp}.kty`, 'must be RSA, EC or OKP');
    const secretMembers = PRIVATE_JWK_MEMBERS.filter((m) => jwk[m] !== undefined);
    if (secretMembers.length > 0) return at(kp, `contains private key material (${secretMembers.join(', ')}); configure the public key only`);
    const missing = required.filter((m) => !nonEmpty(jwk[m]));
    if (missing.length > 0) return at(kp, `${kty} key needs ${missing.join(', ')}`);
    for (const m of ['kid', 'alg', 'use'] as const) if (jwk[m] !== undefined && !nonEmpty(jwk[m])) at(`${kp}.${m}`, 'must be a non-empty string');
    out.push({ ...jwk } as JWK);
  });
  return out;
}

function validateClaims(value: unknown, p: string, at: At): IdentityClaimsConfig {
  const given = section(value, p, Object.keys(DEFAULT_CLAIMS), at);
  const path = (key: Exclude<keyof IdentityClaimsConfig, 'client_id'>): ClaimPath =>
    given[key] === undefined ? DEFAULT_CLAIMS[key] : claimPath(given[key], `${p}.${key}`, at);
  let clientId: readonly ClaimPath[] = DEFAULT_CLAIMS.client_id;
  const rawClientId = given['client_id'];
  if (typeof rawClientId === 'string') clientId = [claimPath(rawClientId, `${p}.client_id`, at)];
  else if (Array.isArray(rawClientId) && rawClientId.length > 0) {
    // A list here is alternatives; an alternative that is itself a list is a path of segments.
    clientId = rawClientId.map((alt: unknown, i) => claimPath(alt, `${p}.client_id[${i}]`, at));
  } else if (rawClientId !== undefined) at(`${p}.client_id`, 'must be a claim name or a non-empty list of claim names to try in order');
  return {
    tenant: path('tenant'), roles: path('roles'), scope: path('scope'), client_id: clientId,
    acr: path('acr'), auth_time: path('auth_time'), act: path('act'),
  };
}

function claimPath(value: unknown, p: string, at: At): ClaimPath {
  if (nonEmpty(value)) return value;
  if (Array.isArray(value) && value.length > 0 && value.every(nonEmpty)) return [...value];
  at(p, 'must be a claim name, a dotted path, or a non-empty list of path segments');
  return '';
}

function stringOrList(value: unknown, p: string, at: At): string[] | undefined {
  if (value === undefined) return undefined;
  if (nonEmpty(value)) return [value];
  if (Array.isArray(value) && value.length > 0 && value.every(nonEmpty)) return [...new Set(value)];
  at(p, 'must be a non-empty string or a non-empty list of them');
  return undefined;
}

function section(value: unknown, p: string, allowed: string[], at: At): Record<string, unknown> {
  if (value === undefined) return {};
  if (!isRecord(value)) {
    at(p, 'must be a mapping');
    return {};
  }
  onlyKeys(value, p, allowed, at);
  return value;
}

function wholeNumber(value: unknown, p: string, fallback: number, at: At): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    at(p, 'must be a whole number >= 0');
    return fallback;
  }
  return value;
}

function onlyKeys(obj: Record<string, unknown>, p: string, allowed: string[], at: At): void {
  for (const key of Object.keys(obj)) if (!allowed.includes(key)) at(`${p}.${key}`, `unknown key (expected one of ${allowed.join(', ')})`);
}

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}
