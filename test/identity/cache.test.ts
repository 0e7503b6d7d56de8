import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTokenVerifier, validateIdentityConfig } from '../../src/identity/index.js';
import { AUDIENCE, ISSUER, JwksServer, NOW_MS, NOW_S, assertRejected, baseClaims, makeKey, sign, type TestKey } from './support.js';

/**
 * The JWKS server's request count shows whether a verification reached jose: with jwks.cache_max_age_s 0
 * jose refetches the key set on every verification, so a verification that causes no request was
 * answered from the token cache.
 */
describe('token verifier: verified-token cache', () => {
  let server: JwksServer;
  let key: TestKey;
  let clock = NOW_MS;
  before(async () => {
    key = await makeKey('ES256', 'k1');
    server = await JwksServer.start([key.jwk]);
  });
  after(() => server.close());

  const verifierWith = (extra: Record<string, unknown> = {}) => {
    clock = NOW_MS;
    server.requests = 0;
    return createTokenVerifier(validateIdentityConfig({
      issuer: ISSUER, audience: AUDIENCE, jwks_uri: server.url, jwks: { cache_max_age_s: 0 }, clock_tolerance_s: 0, ...extra,
    }), { now: () => clock });
  };

  it('answers a second verification of the same token from the cache', async () => {
    const verifier = verifierWith();
    const token = await sign(key);
    const first = await verifier.verifyAccessToken(token);
    assert.equal(server.requests, 1);
    const second = await verifier.verifyAccessToken(token);
    assert.equal(server.requests, 1, 'no second fetch: the cache answered');
    assert.deepEqual(second, first);
    await verifier.verifyAccessToken(await sign(key, baseClaims({ jti: 'other' })));
    assert.equal(server.requests, 2, 'a different token is verified for real');
  });

  it('never accepts a cached token at or past its exp', async () => {
    const verifier = verifierWith({ cache: { max_ttl_s: 3600 } });
    const token = await sign(key, baseClaims({ exp: NOW_S + 60 }));
    await verifier.verifyAccessToken(token);
    clock = NOW_MS + 59_999;
    await verifier.verifyAccessToken(token);
    assert.equal(server.requests, 1, 'still cached just before exp');
    clock = NOW_MS + 60_000;
    await assertRejected(verifier, token, 'token expired');
    clock = NOW_MS + 3_600_000;
    await assertRejected(verifier, token, 'token expired');
  });

  it('bounds the cache: with max_entries 2 the third token evicts the least recently used', async () => {
    const verifier = verifierWith({ cache: { max_entries: 2 } });
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((jti) => sign(key, baseClaims({ jti }))));
    for (const token of [a!, b!, c!]) await verifier.verifyAccessToken(token);
    assert.equal(server.requests, 3);
    await verifier.verifyAccessToken(c!);
    await verifier.verifyAccessToken(b!);
    assert.equal(server.requests, 3, 'b and c are cached');
    await verifier.verifyAccessToken(a!);
    assert.equal(server.requests, 4, 'a was evicted and verified again');
  });

  it('does not cache a rejection', async () => {
    const verifier = verifierWith();
    const token = await sign(key, baseClaims({ aud: 'https://other.example.com' }));
    await assertRejected(verifier, token, 'wrong audience');
    await assertRejected(verifier, token, 'wrong audience');
    assert.equal(server.requests, 2);
  });

  it('caches nothing when max_ttl_s is 0', async () => {
    const verifier = verifierWith({ cache: { max_ttl_s: 0 } });
    const token = await sign(key);
    await verifier.verifyAccessToken(token);
    await verifier.verifyAccessToken(token);
    assert.equal(server.requests, 2);
  });

  it('keeps an entry no longer than max_ttl_s', async () => {
    // max_ttl_s bounds how long a cached verification stands in for a real one (for example after a key
    // is withdrawn from the JWKS). lru-cache measures that TTL on its own monotonic clock, so this test
    // waits in real time instead of moving the injected clock.
    const verifier = verifierWith({ cache: { max_ttl_s: 1 } });
    const token = await sign(key);
    await verifier.verifyAccessToken(token);
    await verifier.verifyAccessToken(token);
    assert.equal(server.requests, 1);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await verifier.verifyAccessToken(token);
    assert.equal(server.requests, 2);
  });
});
