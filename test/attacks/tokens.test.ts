import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, createPublicKey, type JsonWebKey } from 'node:crypto';
import { startStack, type GuardedClient, type Stack } from '../support/stack.js';
import {
  assertUnchanged, assertVictimCancels, b64url, fromB64url, gateName, INITIALIZE, mint, nowS, parts, raw, snapshot, type RawAnswer,
  type Snapshot,
} from './helpers.js';

/**
 * Attacks on bearer authentication. Every bad token is refused at the HTTP layer with a 401 and an RFC 6750
 * invalid_token challenge, before any session or decision exists, and nothing of the token is echoed.
 */

const NO_TOKEN: RawAnswer = {
  status: 401,
  wwwAuthenticate: 'Bearer realm="mcp"',
  contentType: 'application/json',
  text: '{"jsonrpc":"2.0","error":{"code":-32001,"message":"authentication required"},"id":null}',
};

function invalidToken(description: string): RawAnswer {
  return {
    status: 401,
    wwwAuthenticate: `Bearer error="invalid_token", error_description="${description}"`,
    contentType: 'application/json',
    text: JSON.stringify({ jsonrpc: '2.0', error: { code: -32001, message: description }, id: null }),
  };
}

/** Pieces of a token that must never come back: the whole of it and each of its parts. */
function secretsOf(token: string): string[] {
  return [token, ...token.split('.').filter((p) => p.length >= 8)];
}

/** The three hand-built forgeries of alg confusion: HS256 keyed with the public key's bytes in common encodings. */
function hs256WithPublicKey(stack: Stack, payload: string): Array<[string, string]> {
  const header = b64url({ alg: 'HS256', typ: 'JWT', kid: 'test-key-1' });
  const key = createPublicKey({ key: { ...stack.publicJwk } as JsonWebKey, format: 'jwk' });
  const encodings: Array<[string, Buffer | string]> = [
    ['PEM', key.export({ type: 'spki', format: 'pem' }) as string],
    ['DER', key.export({ type: 'spki', format: 'der' })],
    ['JWK JSON', JSON.stringify(stack.publicJwk)],
  ];
  return encodings.map(([label, secret]) => {
    const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
    return [label, `${header}.${payload}.${signature}`];
  });
}

describe('attacks on bearer tokens', () => {
  let stack: Stack;
  // alice, with an export running (held at a gate) on her live session: what a forged token would be after.
  let victim: { alice: GuardedClient; taskId: string; gate: string; seen: Snapshot };
  beforeEach(async () => {
    stack = await startStack();
    const alice = await stack.connect({ sub: 'alice' });
    const gate = gateName('token-victim');
    const { taskId } = await alice.createTask('export_data', { rows: 1, gate });
    await stack.gates.started(gate);
    victim = { alice, taskId, gate, seen: await snapshot(stack, alice, taskId) };
  });
  afterEach(async () => {
    await stack.close();
  });

  /**
   * Sends an initialize with `authorization` and checks the exact refusal, that no part of the token came
   * back, and that nothing happened: no session, no decision, no record of any kind, alice's task as it was.
   */
  async function refused(authorization: string | undefined, expected: RawAnswer, token?: string): Promise<void> {
    const sessions = stack.host.sessions();
    const audit = stack.audit.length;
    const answer = await raw(stack, { ...(authorization === undefined ? {} : { authorization }), body: INITIALIZE });
    assert.deepEqual(answer, expected);
    for (const secret of token === undefined ? [] : secretsOf(token)) {
      assert.equal(answer.text.includes(secret), false, 'the body echoes the token');
      assert.equal((answer.wwwAuthenticate ?? '').includes(secret), false, 'the challenge echoes the token');
    }
    assert.equal(stack.host.sessions(), sessions, 'a session was opened');
    assert.equal(stack.audit.length, audit, 'the guard was reached');
    await assertUnchanged(stack, victim.alice, victim.taskId, victim.seen, victim.gate);
  }

  it('no token: 401 with a bare Bearer realm challenge', async () => {
    await refused(undefined, NO_TOKEN);
    // Not a bearer scheme at all, and a bearer with nothing after it: no credentials the host can use.
    const basic = `Basic ${Buffer.from('alice:password').toString('base64')}`;
    await refused(basic, invalidToken('malformed authorization header'), 'YWxpY2U6cGFzc3dvcmQ=');
    await refused('Bearer ', invalidToken('malformed authorization header'));
  });

  it('an expired token: 401 invalid_token', async () => {
    const token = await stack.token({ sub: 'alice', expiresInS: -3600 });
    await refused(`Bearer ${token}`, invalidToken('token expired'), token);
  });

  it('an alg "none" token: 401 invalid_token', async () => {
    const [, payload] = parts(await stack.token({ sub: 'alice' }));
    for (const alg of ['none', 'None', 'NONE']) {
      const token = `${b64url({ alg, typ: 'JWT' })}.${payload}.`;
      await refused(`Bearer ${token}`, invalidToken('algorithm not allowed'), token);
    }
  });

  it('a token for another audience: 401 invalid_token', async () => {
    for (const aud of ['https://other.example/mcp', 'https://mcp.taskguard.test', 'https://mcp.taskguard.test/mcp/', 'https://mcp.taskguard.test/mcp/admin']) {
      const token = await mint(stack, { aud });
      await refused(`Bearer ${token}`, invalidToken('wrong audience'), token);
    }
  });

  it('a token from another issuer: 401 invalid_token', async () => {
    for (const iss of ['https://evil.example', 'https://issuer.taskguard.test/', 'https://issuer.taskguard.test.evil.example']) {
      const token = await mint(stack, { iss });
      await refused(`Bearer ${token}`, invalidToken('wrong issuer'), token);
    }
  });

  it('a tampered signature (one byte flipped): 401 invalid_token', async () => {
    const [header, payload, signature] = parts(await stack.token({ sub: 'alice' }));
    for (const index of [0, 31, 63]) {
      const bytes = Buffer.from(signature, 'base64url');
      assert.equal(bytes.length, 64, 'an ES256 signature');
      bytes[index] = (bytes[index] ?? 0) ^ 0x01;
      const token = `${header}.${payload}.${bytes.toString('base64url')}`;
      await refused(`Bearer ${token}`, invalidToken('signature invalid'), token);
    }
  });

  it('a tampered payload (bob\'s token rewritten to sub alice, signature kept): 401 invalid_token', async () => {
    const [header, payload, signature] = parts(await stack.token({ sub: 'bob' }));
    const claims = fromB64url(payload);
    assert.equal(claims['sub'], 'bob');
    for (const change of [{ sub: 'alice' }, { roles: ['task-supervisor'] }, { tenant: 'globex' }, { exp: nowS() + 86_400 * 365 }]) {
      const token = `${header}.${b64url({ ...claims, ...change })}.${signature}`;
      await refused(`Bearer ${token}`, invalidToken('signature invalid'), token);
    }
  });

  it('alg confusion: HS256 signed with the public key\'s bytes is refused', async () => {
    const [, payload] = parts(await stack.token({ sub: 'alice' }));
    const forgeries = hs256WithPublicKey(stack, payload);
    assert.deepEqual(forgeries.map(([label]) => label), ['PEM', 'DER', 'JWK JSON']);
    for (const [, token] of forgeries) await refused(`Bearer ${token}`, invalidToken('algorithm not allowed'), token);
  });

  it('after all of the above, a valid token still works', async () => {
    const [header, payload, signature] = parts(await stack.token({ sub: 'alice' }));
    const sigBytes = Buffer.from(signature, 'base64url');
    sigBytes[7] = (sigBytes[7] ?? 0) ^ 0xff;
    const bad = [
      await stack.token({ sub: 'alice', expiresInS: -3600 }),
      `${b64url({ alg: 'none', typ: 'JWT' })}.${payload}.`,
      await mint(stack, { aud: 'https://other.example/mcp' }),
      await mint(stack, { iss: 'https://evil.example' }),
      `${header}.${payload}.${sigBytes.toString('base64url')}`,
      `${header}.${b64url({ ...fromB64url(payload), sub: 'mallory' })}.${signature}`,
      ...hs256WithPublicKey(stack, payload).map(([, t]) => t),
    ];
    const audit = stack.audit.length;
    for (const token of bad) {
      const answer = await raw(stack, { authorization: `Bearer ${token}`, body: INITIALIZE });
      assert.equal(answer.status, 401);
      assert.match(answer.wwwAuthenticate ?? '', /^Bearer error="invalid_token", error_description="[a-z ]+"$/);
    }
    assert.equal(stack.host.sessions(), victim.seen.sessions);
    assert.equal(stack.audit.length, audit, 'the guard was never reached');
    await assertUnchanged(stack, victim.alice, victim.taskId, victim.seen, victim.gate);

    // A valid token opens a session and is decided on, and alice's own session still works.
    const later = stack.audit.length;
    const again = await stack.connect({ sub: 'alice' });
    assert.deepEqual((await again.call('lookup', { q: 'still here' })).content, [{ type: 'text', text: 'answer to still here' }]);
    assert.equal(stack.host.sessions(), victim.seen.sessions + 1);
    assert.deepEqual(stack.audit.slice(later).map((e) => [e.kind, e.op, e.allow]), [['decision', 'call', true]]);
    await assertVictimCancels(stack, victim.alice, victim.taskId, victim.gate);
  });

  it('bad tokens on alice\'s live session (tasks/cancel of her running task) are refused and change nothing', async () => {
    const { alice, taskId, gate, seen } = victim;
    const sessionId = alice.sessionId();
    assert.ok(sessionId);
    const audit = stack.audit.length;

    const [header, payload, signature] = parts(await stack.token({ sub: 'alice' }));
    const sigBytes = Buffer.from(signature, 'base64url');
    sigBytes[0] = (sigBytes[0] ?? 0) ^ 0x80;
    const cases: Array<[string | undefined, RawAnswer]> = [
      [undefined, NO_TOKEN],
      [await stack.token({ sub: 'alice', expiresInS: -3600 }), invalidToken('token expired')],
      [`${b64url({ alg: 'none', typ: 'JWT' })}.${payload}.`, invalidToken('algorithm not allowed')],
      [await mint(stack, { aud: 'https://other.example/mcp' }), invalidToken('wrong audience')],
      [await mint(stack, { iss: 'https://evil.example' }), invalidToken('wrong issuer')],
      [`${header}.${payload}.${sigBytes.toString('base64url')}`, invalidToken('signature invalid')],
      [`${header}.${b64url({ ...fromB64url(payload), roles: ['task-supervisor'] })}.${signature}`, invalidToken('signature invalid')],
      ...hs256WithPublicKey(stack, payload).map(([, t]): [string, RawAnswer] => [t, invalidToken('algorithm not allowed')]),
    ];
    for (const [token, expected] of cases) {
      for (const method of ['tasks/cancel', 'tasks/get', 'tasks/result']) {
        const answer = await raw(stack, {
          ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
          sessionId,
          body: { jsonrpc: '2.0', id: 3, method, params: { taskId } },
        });
        assert.deepEqual(answer, expected, method);
        for (const secret of token === undefined ? [] : secretsOf(token)) assert.equal(answer.text.includes(secret), false);
      }
    }
    assert.equal(stack.audit.length, audit, 'no decision was even made');
    await assertUnchanged(stack, alice, taskId, seen, gate);
    assert.equal(alice.sessionId(), sessionId);
    await assertVictimCancels(stack, alice, taskId, gate);
  });
});
