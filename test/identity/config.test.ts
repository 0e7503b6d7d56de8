import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validateIdentityConfig } from '../../src/identity/index.js';
import { TaskguardError } from '../../src/errors.js';

const PUBLIC_JWK = { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0', kid: 'k1' };
const SECRET = Buffer.alloc(64, 9).toString('base64url');
const base = { issuer: 'https://issuer.example.com', audience: 'https://mcp.example.com/mcp', jwks_uri: 'https://issuer.example.com/jwks.json' };

function problemsOf(raw: unknown): string {
  try {
    validateIdentityConfig(raw);
  } catch (err) {
    assert.ok(err instanceof TaskguardError);
    assert.equal(err.code, 'config_invalid');
    assert.ok(!err.message.includes('\n'));
    return err.message;
  }
  assert.fail('expected the config to be rejected');
}

describe('identity config validation', () => {
  it('fills every default and freezes the result', () => {
    const config = validateIdentityConfig(base);
    assert.deepEqual(config, {
      ...base,
      audience: ['https://mcp.example.com/mcp'],
      algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'],
      clock_tolerance_s: 30,
      claims: { tenant: 'tenant', roles: 'roles', scope: 'scope', client_id: ['azp', 'client_id'], acr: 'acr', auth_time: 'auth_time', act: 'act' },
      cache: { max_entries: 10000, max_ttl_s: 300 },
      jwks: { cache_max_age_s: 600, cooldown_s: 30, timeout_ms: 5000 },
    });
    assert.ok(Object.isFrozen(config) && Object.isFrozen(config.claims) && Object.isFrozen(config.audience));
  });

  it('is idempotent: a validated config validates to an equal one', () => {
    for (const raw of [
      base,
      { ...base, jwks_uri: undefined, keys: { keys: [PUBLIC_JWK] }, default_tenant: 'solo', claims: { tenant: ['https://x.example/claims', 'tenant'], client_id: 'cid' } },
      { ...base, jwks_uri: undefined, shared_secret: SECRET, algorithms: ['HS256', 'HS512'] },
    ]) {
      const once = validateIdentityConfig(JSON.parse(JSON.stringify(raw)));
      assert.deepEqual(validateIdentityConfig(once), once);
    }
  });

  it('accepts keys as a list or as a JWKS object, and claim paths as dotted strings or segment lists', () => {
    const config = validateIdentityConfig({
      issuer: 'i', audience: ['a', 'b'], keys: [PUBLIC_JWK],
      claims: { tenant: ['https://example.com/claims', 'tenant'], roles: 'realm_access.roles', scope: 'scp', client_id: [['ext', 'cid'], 'azp'] },
    });
    assert.deepEqual(config.keys, [PUBLIC_JWK]);
    assert.deepEqual(config.claims.client_id, [['ext', 'cid'], 'azp']);
    assert.deepEqual(validateIdentityConfig({ issuer: 'i', audience: 'a', keys: { keys: [PUBLIC_JWK] } }).keys, [PUBLIC_JWK]);
  });

  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['none among the algorithms', { algorithms: ['RS256', 'none'] }, /^identity\.algorithms\[1\]: none is never accepted$/],
    ['None in any case', { algorithms: ['NONE'] }, /identity\.algorithms\[0\]: none is never accepted/],
    ['HS256 without a shared secret', { algorithms: ['RS256', 'HS256'] }, /identity\.algorithms\[1\]: HS256 is only allowed with shared_secret/],
    ['a shared secret without an HS algorithm', { jwks_uri: undefined, shared_secret: SECRET }, /identity\.shared_secret: needs an explicit HS256, HS384 or HS512 in identity\.algorithms/],
    ['a shared secret with an asymmetric algorithm', { jwks_uri: undefined, shared_secret: SECRET, algorithms: ['HS256', 'RS256'] }, /identity\.algorithms\[1\]: RS256 needs jwks_uri or keys, not shared_secret/],
    ['two key sources', { keys: [PUBLIC_JWK] }, /^identity: has jwks_uri and keys: configure exactly one key source$/],
    ['three key sources', { keys: [PUBLIC_JWK], shared_secret: SECRET, algorithms: ['HS256'] }, /identity: has jwks_uri and keys and shared_secret/],
    ['no key source', { jwks_uri: undefined }, /identity: needs exactly one key source/],
    ['an unknown key', { jwks_url: 'https://x' }, /identity\.jwks_url: unknown key \(expected one of issuer, audience/],
    ['an unknown nested key', { cache: { max_entry: 5 } }, /identity\.cache\.max_entry: unknown key/],
    ['an unknown claim', { claims: { tenat: 'org' } }, /identity\.claims\.tenat: unknown key/],
    ['an unsupported algorithm', { algorithms: ['RS1'] }, /identity\.algorithms\[0\]: RS1 is not supported/],
    ['an empty algorithm list', { algorithms: [] }, /identity\.algorithms: must be a non-empty list/],
    ['no issuer', { issuer: undefined }, /identity\.issuer: is required/],
    ['no audience', { audience: undefined }, /identity\.audience: is required/],
    ['an empty audience list', { audience: [] }, /identity\.audience: must be a non-empty string or a non-empty list/],
    ['a jwks_uri that is not http(s)', { jwks_uri: 'file:///etc/jwks.json' }, /identity\.jwks_uri: must be an http\(s\) url/],
    ['a jwks_uri with credentials', { jwks_uri: 'https://user:pw@issuer.example.com/jwks' }, /identity\.jwks_uri: must not carry credentials/],
    ['a clock tolerance over 300 s', { clock_tolerance_s: 301 }, /identity\.clock_tolerance_s: must be at most 300/],
    ['a negative clock tolerance', { clock_tolerance_s: -1 }, /identity\.clock_tolerance_s: must be a whole number >= 0/],
    ['a zero cache size', { cache: { max_entries: 0 } }, /identity\.cache\.max_entries: must be at least 1/],
    ['a fractional jwks timeout', { jwks: { timeout_ms: 1.5 } }, /identity\.jwks\.timeout_ms: must be a whole number/],
    ['an empty claim path', { claims: { tenant: [] } }, /identity\.claims\.tenant: must be a claim name/],
    ['a bad client_id alternative', { claims: { client_id: ['azp', 3] } }, /identity\.claims\.client_id\[1\]: must be a claim name/],
    ['an empty default tenant', { default_tenant: '' }, /identity\.default_tenant: must be a non-empty string/],
    ['a symmetric JWK in keys', { jwks_uri: undefined, keys: [{ kty: 'oct', k: 'c2VjcmV0' }] }, /identity\.keys\[0\]: is a symmetric key; use shared_secret/],
    ['a JWK of unknown type', { jwks_uri: undefined, keys: [{ kty: 'XYZ' }] }, /identity\.keys\[0\]\.kty: must be RSA, EC or OKP/],
    ['an incomplete JWK', { jwks_uri: undefined, keys: { keys: [{ kty: 'EC', crv: 'P-256', x: 'abc' }] } }, /identity\.keys\.keys\[0\]: EC key needs y/],
    ['an empty key list', { jwks_uri: undefined, keys: [] }, /identity\.keys: must be a non-empty list of public JWKs/],
  ];
  for (const [label, patch, expected] of cases) {
    it(`rejects ${label}, naming the path`, () => {
      assert.match(problemsOf({ ...base, ...patch }), expected);
    });
  }

  it('rejects a private JWK without repeating the key material', () => {
    const d = 'jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI';
    const message = problemsOf({ ...base, jwks_uri: undefined, keys: [{ ...PUBLIC_JWK, d }] });
    assert.match(message, /identity\.keys\[0\]: contains private key material \(d\); configure the public key only/);
    assert.ok(!message.includes(d));
  });

  it('rejects a short or malformed shared secret without repeating it', () => {
    const short = Buffer.alloc(16, 3).toString('base64url');
    let message = problemsOf({ ...base, jwks_uri: undefined, shared_secret: short, algorithms: ['HS256'] });
    assert.match(message, /identity\.shared_secret: is 16 bytes; HS256 need at least 32/);
    assert.ok(!message.includes(short));
    const forHs512 = Buffer.alloc(32, 3).toString('base64url');
    message = problemsOf({ ...base, jwks_uri: undefined, shared_secret: forHs512, algorithms: ['HS256', 'HS512'] });
    assert.match(message, /identity\.shared_secret: is 32 bytes; HS256, HS512 need at least 64/);
    assert.ok(!message.includes(forHs512));
    const notBase64 = 'my secret password!';
    message = problemsOf({ ...base, jwks_uri: undefined, shared_secret: notBase64, algorithms: ['HS256'] });
    assert.match(message, /identity\.shared_secret: must be a base64url string/);
    assert.ok(!message.includes(notBase64));
  });

  it('reports every problem at once, and uses the given source as the path prefix', () => {
    const message = problemsOf({ ...base, algorithms: ['none', 'HS256'], clock_tolerance_s: 999, extra: 1 });
    for (const part of [/algorithms\[0\]: none/, /algorithms\[1\]: HS256/, /clock_tolerance_s/, /identity\.extra: unknown key/]) assert.match(message, part);
    assert.throws(() => validateIdentityConfig({}, 'servers[0].identity'), /servers\[0\]\.identity\.issuer: is required/);
    assert.throws(() => validateIdentityConfig('x'), /identity: must be a mapping/);
  });
});
