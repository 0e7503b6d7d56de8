import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { principalFromAuthInfo, type Principal } from '../../src/identity/index.js';
import { freezePrincipal } from '../../src/identity/principal.js';

const principal: Principal = {
  sub: 'alice', tenant: 'acme', clientId: 'reports-agent', scopes: ['reports:read'], roles: ['analyst'],
  acr: 'urn:example:mfa', authTimeMs: 1_763_799_000_000, act: { sub: 'svc-batch' },
  issuer: 'https://issuer.example.com', expiresAtMs: 1_763_800_600_000,
};
const authInfo = (p: unknown, clientId = 'reports-agent'): AuthInfo => ({ token: 't', clientId, scopes: [], extra: { taskguardPrincipal: p } });

describe('principalFromAuthInfo', () => {
  it('returns a frozen copy of a well-formed principal', () => {
    const source = structuredClone(principal) as Principal;
    const got = principalFromAuthInfo(authInfo(source));
    assert.deepEqual(got, principal);
    assert.ok(got && Object.isFrozen(got) && Object.isFrozen(got.scopes) && Object.isFrozen(got.act));
    (source.scopes as string[]).push('admin');
    assert.deepEqual(got?.scopes, ['reports:read'], 'later edits to the AuthInfo do not reach it');
  });

  it('hands back a principal the verifier froze as it is (read once per request, not copied per read), for its own client only', () => {
    const made = freezePrincipal(principal);
    assert.equal(principalFromAuthInfo(authInfo(made)), made);
    assert.equal(principalFromAuthInfo(authInfo(made)), made);
    assert.equal(principalFromAuthInfo(authInfo(made, 'another-app')), undefined, 'AuthInfo.clientId rewritten');
    // A frozen look-alike that freezePrincipal did not make is checked and copied like any other.
    const lookalike = Object.freeze({ ...principal, scopes: Object.freeze([...principal.scopes]) }) as Principal;
    const got = principalFromAuthInfo(authInfo(lookalike));
    assert.notEqual(got, lookalike);
    assert.deepEqual(got, principal);
  });

  it('keeps act absent when the token had none', () => {
    const { act: _act, ...noActor } = principal;
    const got = principalFromAuthInfo(authInfo(noActor));
    assert.ok(got && !('act' in got));
  });

  it('returns undefined when there is no principal (fail closed)', () => {
    assert.equal(principalFromAuthInfo(undefined), undefined);
    assert.equal(principalFromAuthInfo({ token: 't', clientId: 'c', scopes: [] }), undefined);
    assert.equal(principalFromAuthInfo({ token: 't', clientId: 'c', scopes: [], extra: {} }), undefined);
    assert.equal(principalFromAuthInfo(authInfo('alice')), undefined);
  });

  const broken: Array<[string, Record<string, unknown>]> = [
    ['an empty sub', { sub: '' }],
    ['no tenant', { tenant: undefined }],
    ['a numeric tenant', { tenant: 1 }],
    ['scopes as a string', { scopes: 'reports:read' }],
    ['a non-string role', { roles: [1] }],
    ['acr missing', { acr: undefined }],
    ['a negative auth time', { authTimeMs: -1 }],
    ['a NaN expiry', { expiresAtMs: Number.NaN }],
    ['no expiry', { expiresAtMs: 0 }],
    ['an actor without sub', { act: {} }],
    ['no issuer', { issuer: undefined }],
  ];
  for (const [label, patch] of broken) {
    it(`returns undefined for ${label}`, () => {
      assert.equal(principalFromAuthInfo(authInfo({ ...principal, ...patch })), undefined);
    });
  }

  it('returns undefined when AuthInfo.clientId disagrees with the principal', () => {
    assert.equal(principalFromAuthInfo(authInfo(principal, 'other-client')), undefined);
  });
});
