import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { exportSPKI, SignJWT } from 'jose';
import { createTokenVerifier, validateIdentityConfig } from '../../src/identity/index.js';
import { AUDIENCE, ISSUER, NOW_MS, NOW_S, assertRejected, b64url, baseClaims, makeKey, sign, type TestKey } from './support.js';

const now = (): number => NOW_MS;

describe('token verifier: rejections', () => {
  let rsa: TestKey;
  let ec: TestKey;
  let verifier: ReturnType<typeof createTokenVerifier>;
  before(async () => {
    [rsa, ec] = await Promise.all([makeKey('RS256', 'rsa-1'), makeKey('ES256', 'ec-1')]);
    verifier = createTokenVerifier(validateIdentityConfig({ issuer: ISSUER, audience: AUDIENCE, keys: [rsa.jwk, ec.jwk] }), { now });
  });

  it('rejects an expired token, and accepts one expired within the clock tolerance', async () => {
    await assertRejected(verifier, await sign(rsa, baseClaims({ exp: NOW_S - 31 })), 'token expired');
    const recent = await sign(rsa, baseClaims({ exp: NOW_S - 10 }));
    assert.equal((await verifier.verifyAccessToken(recent)).clientId, 'reports-agent');
    const strict = createTokenVerifier(validateIdentityConfig({ issuer: ISSUER, audience: AUDIENCE, keys: [rsa.jwk], clock_tolerance_s: 0 }), { now });
    await assertRejected(strict, recent, 'token expired');
    await assertRejected(strict, await sign(rsa, baseClaims({ exp: NOW_S })), 'token expired');
  });

  it('rejects a token that is not yet valid (nbf), beyond the clock tolerance', async () => {
    await assertRejected(verifier, await sign(rsa, baseClaims({ nbf: NOW_S + 120 })), 'token not yet valid');
    assert.ok(await verifier.verifyAccessToken(await sign(rsa, baseClaims({ nbf: NOW_S + 10 }))));
  });

  it('rejects the wrong issuer, and a missing one', async () => {
    await assertRejected(verifier, await sign(rsa, baseClaims({ iss: 'https://evil.example.com' })), 'wrong issuer');
    await assertRejected(verifier, await sign(rsa, baseClaims({ iss: undefined })), 'wrong issuer');
  });

  it('rejects a token for another resource (RFC 8707 audience), and one without aud', async () => {
    await assertRejected(verifier, await sign(rsa, baseClaims({ aud: 'https://other.example.com/mcp' })), 'wrong audience');
    await assertRejected(verifier, await sign(rsa, baseClaims({ aud: undefined })), 'wrong audience');
  });

  it('rejects a tampered signature', async () => {
    const [header, payload, signature] = (await sign(rsa)).split('.') as [string, string, string];
    const bytes = Buffer.from(signature, 'base64url');
    bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
    await assertRejected(verifier, `${header}.${payload}.${bytes.toString('base64url')}`, 'signature invalid');
  });

  it('rejects a tampered payload', async () => {
    const [header, payload, signature] = (await sign(rsa)).split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = b64url({ ...claims, sub: 'mallory', tenant: 'other' });
    await assertRejected(verifier, `${header}.${forged}.${signature}`, 'signature invalid');
  });

  it('rejects an unsecured token (alg none)', async () => {
    for (const alg of ['none', 'None', 'NONE']) {
      await assertRejected(verifier, `${b64url({ alg })}.${b64url(baseClaims())}.`, 'algorithm not allowed');
      await assertRejected(verifier, `${b64url({ alg, kid: rsa.kid })}.${b64url(baseClaims())}.`, 'algorithm not allowed');
    }
  });

  it('rejects HS256 signed with the public key as the secret (algorithm confusion)', async () => {
    const pem = await exportSPKI(rsa.publicKey);
    for (const secret of [Buffer.from(pem), Buffer.from(JSON.stringify(rsa.jwk))]) {
      const token = await new SignJWT(baseClaims()).setProtectedHeader({ alg: 'HS256', kid: rsa.kid }).sign(new Uint8Array(secret));
      await assertRejected(verifier, token, 'algorithm not allowed');
      const onlyRs256 = createTokenVerifier(validateIdentityConfig({ issuer: ISSUER, audience: AUDIENCE, keys: [rsa.jwk], algorithms: ['RS256'] }), { now });
      await assertRejected(onlyRs256, token, 'algorithm not allowed');
    }
  });

  it('rejects an algorithm outside the allow-list even with a valid signature', async () => {
    const esOnly = createTokenVerifier(validateIdentityConfig({ issuer: ISSUER, audience: AUDIENCE, keys: [rsa.jwk, ec.jwk], algorithms: ['ES256'] }), { now });
    assert.ok(await esOnly.verifyAccessToken(await sign(ec)));
    await assertRejected(esOnly, await sign(rsa), 'algorithm not allowed');
  });

  it('rejects a token signed by a key it does not know', async () => {
    const stranger = await makeKey('RS256', 'stranger');
    await assertRejected(verifier, await sign(stranger), 'no matching key');
    // Reusing a known kid does not help: the signature is checked against the real key.
    await assertRejected(verifier, await sign(stranger, baseClaims(), { kid: rsa.kid }), 'signature invalid');
  });

  it('rejects what is not a compact JWS at all', async () => {
    for (const token of ['', 'abc', 'a.b', 'a.b.c.d', `${'a'.repeat(20_000)}.b.c`, 'e30.e30.', `${b64url('{')}.${b64url(baseClaims())}.sig`]) {
      await assertRejected(verifier, token, /malformed token|algorithm not allowed/);
    }
    await assertRejected(verifier, `${b64url({ alg: 'RS256', kid: rsa.kid })}.${b64url('not json')}.${b64url('x')}`, 'signature invalid');
  });

  it('rejects an HMAC token signed with the wrong secret, and accepts the right one', async () => {
    const secret = Buffer.alloc(32, 7);
    const hs = createTokenVerifier(validateIdentityConfig({
      issuer: ISSUER, audience: AUDIENCE, shared_secret: secret.toString('base64url'), algorithms: ['HS256'],
    }), { now });
    const good = await new SignJWT(baseClaims()).setProtectedHeader({ alg: 'HS256' }).sign(new Uint8Array(secret));
    assert.equal((await hs.verifyAccessToken(good)).clientId, 'reports-agent');
    const bad = await new SignJWT(baseClaims()).setProtectedHeader({ alg: 'HS256' }).sign(new Uint8Array(Buffer.alloc(32, 8)));
    await assertRejected(hs, bad, 'signature invalid');
    await assertRejected(hs, await sign(rsa), 'algorithm not allowed');
  });
});
