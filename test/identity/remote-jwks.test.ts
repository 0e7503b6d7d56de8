import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { createTokenVerifier, validateIdentityConfig } from '../../src/identity/index.js';
import { AUDIENCE, ISSUER, JwksServer, NOW_MS, assertRejected, baseClaims, makeKey, sign, type TestKey } from './support.js';

const now = (): number => NOW_MS;

describe('token verifier: remote JWKS', () => {
  let server: JwksServer;
  let oldKey: TestKey;
  let newKey: TestKey;
  before(async () => {
    [oldKey, newKey] = await Promise.all([makeKey('RS256', 'old'), makeKey('ES256', 'new')]);
    server = await JwksServer.start([]);
  });
  after(() => server.close());

  // cooldown 0: a rotation is picked up on the next unknown kid, not 30 s later.
  const remoteVerifier = (jwks: Record<string, number> = {}) =>
    createTokenVerifier(validateIdentityConfig({ issuer: ISSUER, audience: AUDIENCE, jwks_uri: server.url, jwks: { cooldown_s: 0, ...jwks } }), { now });

  it('verifies, follows a key rotation by refetching on an unknown kid, then rejects the removed key', async () => {
    server.keys = [oldKey.jwk];
    server.requests = 0;
    const verifier = remoteVerifier();
    assert.equal((await verifier.verifyAccessToken(await sign(oldKey))).clientId, 'reports-agent');
    assert.equal(server.requests, 1);

    server.keys = [newKey.jwk];
    assert.equal((await verifier.verifyAccessToken(await sign(newKey))).clientId, 'reports-agent');
    assert.equal(server.requests, 2, 'the unknown kid triggered exactly one refetch');

    // A token from the removed key that was never verified before: nothing cached can vouch for it.
    await assertRejected(verifier, await sign(oldKey, baseClaims({ jti: 'after-rotation' })), 'no matching key');
  });

  it('does not cache a failure: a token for a kid not yet published verifies once the key appears', async () => {
    server.keys = [oldKey.jwk];
    const verifier = remoteVerifier();
    const early = await sign(newKey, baseClaims({ jti: 'early' }));
    await assertRejected(verifier, early, 'no matching key');
    server.keys = [oldKey.jwk, newKey.jwk];
    assert.ok(await verifier.verifyAccessToken(early));
  });

  it('waits out the cooldown before refetching for an unknown kid', async () => {
    server.keys = [oldKey.jwk];
    server.requests = 0;
    const verifier = remoteVerifier({ cooldown_s: 3600 });
    assert.ok(await verifier.verifyAccessToken(await sign(oldKey)));
    server.keys = [oldKey.jwk, newKey.jwk];
    for (let i = 0; i < 5; i++) await assertRejected(verifier, await sign(newKey, baseClaims({ jti: `random-${i}` })), 'no matching key');
    assert.equal(server.requests, 1, 'unknown kids inside the cooldown cause no fetches');
  });

  it('fails closed when the key set cannot be fetched', async () => {
    server.keys = [oldKey.jwk];
    server.status = 500;
    try {
      await assertRejected(remoteVerifier(), await sign(oldKey), 'signing keys unavailable');
    } finally {
      server.status = 200;
    }
    const nowhere = createTokenVerifier(validateIdentityConfig({
      issuer: ISSUER, audience: AUDIENCE, jwks_uri: 'http://127.0.0.1:1/jwks.json', jwks: { timeout_ms: 2000 },
    }), { now });
    await assertRejected(nowhere, await sign(oldKey), 'signing keys unavailable');
  });

  it('ignores an HMAC key published in the JWKS (no algorithm confusion through the key set)', async () => {
    server.keys = [oldKey.jwk, { kty: 'oct', kid: 'sym', k: Buffer.alloc(32, 1).toString('base64url') }];
    const token = await new SignJWT(baseClaims()).setProtectedHeader({ alg: 'HS256', kid: 'sym' }).sign(new Uint8Array(Buffer.alloc(32, 1)));
    await assertRejected(remoteVerifier(), token, 'algorithm not allowed');
  });
});
