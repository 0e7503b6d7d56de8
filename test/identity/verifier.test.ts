import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTokenVerifier, principalFromAuthInfo, validateIdentityConfig, type Principal } from '../../src/identity/index.js';
import { AUDIENCE, ISSUER, NOW_MS, NOW_S, assertRejected, baseClaims, makeKey, sign, type TestKey } from './support.js';

const now = (): number => NOW_MS;

function verifierFor(keys: TestKey[], extra: Record<string, unknown> = {}) {
  const config = validateIdentityConfig({ issuer: ISSUER, audience: AUDIENCE, keys: keys.map((k) => k.jwk), ...extra });
  return createTokenVerifier(config, { now });
}

describe('token verifier: claims to Principal', () => {
  let rsa: TestKey;
  let ec: TestKey;
  let ed: TestKey;
  before(async () => {
    [rsa, ec, ed] = await Promise.all([makeKey('RS256', 'rsa-1'), makeKey('ES256', 'ec-1'), makeKey('EdDSA', 'ed-1')]);
  });

  it('maps every claim, through custom claim paths, roles as a string, scope as an array, act and auth_time', async () => {
    const verifier = verifierFor([rsa], {
      claims: {
        tenant: ['https://example.com/claims', 'tenant'],
        roles: 'https://example.com/claims.roles',
        scope: 'scp',
        client_id: ['client_id'],
        acr: 'ext.acr',
        auth_time: 'auth_time',
        act: 'act',
      },
    });
    const token = await sign(rsa, {
      iss: ISSUER, aud: [AUDIENCE, 'https://other.example.com'], sub: 'alice', exp: NOW_S + 600,
      'https://example.com/claims': { tenant: 'acme', roles: 'analyst  auditor analyst' },
      scp: ['reports:read', 'reports:export'],
      client_id: 'reports-agent',
      ext: { acr: 'urn:example:mfa' },
      auth_time: NOW_S - 120,
      act: { sub: 'svc-batch', act: { sub: 'ignored-earlier-actor' } },
      // The default claim names are not consulted once others are configured.
      tenant: 'evil', roles: ['admin'], scope: 'admin:all',
    });
    const authInfo = await verifier.verifyAccessToken(token);
    const expected: Principal = {
      sub: 'alice', tenant: 'acme', clientId: 'reports-agent',
      scopes: ['reports:read', 'reports:export'], roles: ['analyst', 'auditor'],
      acr: 'urn:example:mfa', authTimeMs: NOW_MS - 120_000, act: { sub: 'svc-batch' },
      issuer: ISSUER, expiresAtMs: NOW_MS + 600_000,
    };
    assert.deepEqual(principalFromAuthInfo(authInfo), expected);
    assert.equal(authInfo.token, token);
    assert.equal(authInfo.clientId, 'reports-agent');
    assert.deepEqual(authInfo.scopes, ['reports:read', 'reports:export']);
    assert.equal(authInfo.expiresAt, NOW_S + 600);
    assert.equal(authInfo.resource?.href, AUDIENCE);
    assert.ok(Object.isFrozen(authInfo.extra?.['taskguardPrincipal']));
  });

  it('uses the defaults: space-separated scope, azp before client_id, empty acr, zero auth_time, no act, no roles', async () => {
    const token = await sign(rsa, baseClaims({ client_id: 'other-client' }));
    const principal = principalFromAuthInfo(await verifierFor([rsa]).verifyAccessToken(token));
    assert.deepEqual(principal, {
      sub: 'alice', tenant: 'acme', clientId: 'reports-agent', scopes: ['reports:read', 'reports:export'], roles: [],
      acr: '', authTimeMs: 0, issuer: ISSUER, expiresAtMs: NOW_MS + 600_000,
    });
  });

  it('falls back to client_id when azp is absent', async () => {
    const token = await sign(rsa, baseClaims({ azp: undefined, client_id: 'cli' }));
    assert.equal((await verifierFor([rsa]).verifyAccessToken(token)).clientId, 'cli');
  });

  for (const name of ['rsa', 'ec', 'ed'] as const) {
    it(`verifies a ${name} signature from a local key list`, async () => {
      const key = { rsa, ec, ed }[name];
      const token = await sign(key);
      assert.equal((await verifierFor([rsa, ec, ed]).verifyAccessToken(token)).clientId, 'reports-agent');
    });
  }

  it('tries each candidate when several keys match a token without kid', async () => {
    const other = await makeKey('RS256', 'rsa-2');
    const withoutKid = [rsa, other].map(({ jwk: { kid: _kid, ...jwk } }) => jwk);
    const verifier = createTokenVerifier(validateIdentityConfig({ issuer: ISSUER, audience: AUDIENCE, keys: { keys: withoutKid } }), { now });
    const token = await sign(other, baseClaims(), { kid: undefined });
    assert.equal((await verifier.verifyAccessToken(token)).clientId, 'reports-agent');
    const stranger = await makeKey('RS256', 'x');
    const forged = await sign(stranger, baseClaims(), { kid: undefined });
    await assertRejected(verifier, forged, 'signature invalid');
  });

  it('rejects a token without a tenant, and uses default_tenant only when configured', async () => {
    const token = await sign(rsa, baseClaims({ tenant: undefined }));
    await assertRejected(verifierFor([rsa]), token, 'token has no tenant');
    const principal = principalFromAuthInfo(await verifierFor([rsa], { default_tenant: 'solo' }).verifyAccessToken(token));
    assert.equal(principal?.tenant, 'solo');
  });

  it('never replaces a present tenant with default_tenant, nor accepts a malformed one', async () => {
    const verifier = verifierFor([rsa], { default_tenant: 'solo' });
    assert.equal(principalFromAuthInfo(await verifier.verifyAccessToken(await sign(rsa)))?.tenant, 'acme');
    for (const tenant of ['', 42, ['acme'], { id: 'acme' }]) {
      await assertRejected(verifier, await sign(rsa, baseClaims({ tenant })), 'tenant claim malformed');
    }
  });

  it('rejects a token without a client id, or with a malformed one', async () => {
    const verifier = verifierFor([rsa]);
    await assertRejected(verifier, await sign(rsa, baseClaims({ azp: undefined })), 'token has no client id');
    // The first present claim decides: a malformed azp does not fall through to client_id.
    await assertRejected(verifier, await sign(rsa, baseClaims({ azp: 7, client_id: 'cli' })), 'client id claim malformed');
  });

  it('rejects a token without sub or exp', async () => {
    const verifier = verifierFor([rsa]);
    await assertRejected(verifier, await sign(rsa, baseClaims({ sub: undefined })), 'token has no subject');
    await assertRejected(verifier, await sign(rsa, baseClaims({ sub: '' })), 'token has no subject');
    await assertRejected(verifier, await sign(rsa, baseClaims({ exp: undefined })), 'token has no expiry');
  });

  it('rejects malformed optional claims instead of ignoring them', async () => {
    const verifier = verifierFor([rsa]);
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ scope: 5 }, 'scope claim malformed'],
      [{ scope: ['ok', 3] }, 'scope claim malformed'],
      [{ roles: { admin: true } }, 'roles claim malformed'],
      [{ acr: 2 }, 'acr claim malformed'],
      [{ auth_time: 'yesterday' }, 'auth_time claim malformed'],
      [{ act: 'svc' }, 'act claim malformed'],
      [{ act: { sub: '' } }, 'act claim malformed'],
    ];
    for (const [claims, reason] of cases) await assertRejected(verifier, await sign(rsa, baseClaims(claims)), reason);
  });

  it('treats null claims as absent', async () => {
    const token = await sign(rsa, baseClaims({ acr: null, roles: null, act: null }));
    const principal = principalFromAuthInfo(await verifierFor([rsa]).verifyAccessToken(token));
    assert.equal(principal?.acr, '');
    assert.deepEqual(principal?.roles, []);
    assert.equal(principal?.act, undefined);
  });

  it('never follows a claim path into the prototype chain', async () => {
    const verifier = verifierFor([rsa], { claims: { tenant: 'constructor.name' } });
    await assertRejected(verifier, await sign(rsa), 'token has no tenant');
  });

  it('leaves resource unset when the audience is not a URL', async () => {
    const verifier = verifierFor([rsa], { audience: ['mcp-server'] });
    const authInfo = await verifier.verifyAccessToken(await sign(rsa, baseClaims({ aud: 'mcp-server' })));
    assert.equal(authInfo.resource, undefined);
  });

  it('hands out a fresh AuthInfo each time, so one caller cannot edit another\'s', async () => {
    const verifier = verifierFor([rsa]);
    const token = await sign(rsa);
    const first = await verifier.verifyAccessToken(token);
    first.scopes.push('admin');
    const second = await verifier.verifyAccessToken(token);
    assert.deepEqual(second.scopes, ['reports:read', 'reports:export']);
  });

  it('rejects a hand-built config that validation would reject', () => {
    assert.throws(
      () => createTokenVerifier({ ...validateIdentityConfig({ issuer: ISSUER, audience: AUDIENCE, keys: [rsa.jwk] }), algorithms: ['none'] }),
      /identity\.algorithms\[0\]: none is never accepted/,
    );
  });
});
