import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startStack, waitForStatus, type GuardedClient, type Stack } from '../support/stack.js';
import {
  assertAnswersLikeUnknown, assertUnchanged, assertVictimCancels, gateName, INVALID_TASK_ID, NOT_FOUND, raw, rpcError, snapshot,
  TASK_OPS, type Snapshot,
} from './helpers.js';

/**
 * Attacks on task handles: a task id outlives the request that created it, so it must be useless to anyone
 * but the identity (tenant, sub, client app) that created it, and must not even reveal that it exists.
 */

interface Victim {
  alice: GuardedClient;
  taskId: string;
  gate: string;
}

/**
 * alice@acme (reports-agent) with a task held in `working` at a fresh gate. Cases connect their attackers
 * first and then take the snapshot, so the snapshot is taken right before the attack itself.
 */
async function victim(stack: Stack, tool: 'export_data' | 'convert_document' = 'export_data'): Promise<Victim> {
  const alice = await stack.connect({ sub: 'alice' });
  const gate = gateName(`victim-${tool}`);
  const args = tool === 'export_data' ? { rows: 3, gate } : { text: 'secret draft', gate };
  const { taskId } = await alice.createTask(tool, args);
  await stack.gates.started(gate);
  return { alice, taskId, gate };
}

async function before(stack: Stack, v: Victim): Promise<Snapshot> {
  const snap = await snapshot(stack, v.alice, v.taskId);
  assert.equal(snap.task.status, 'working');
  assert.deepEqual(snap.list.tasks.map((t) => t.taskId), [v.taskId]);
  return snap;
}

describe('attacks on task handles', () => {
  let stack: Stack;
  beforeEach(async () => {
    stack = await startStack();
  });
  afterEach(async () => {
    await stack.close();
  });

  it('bob (same tenant) replaying alice\'s task id on get, result and cancel gets exactly the answer for an id that never existed', async () => {
    const v = await victim(stack);
    const bob = await stack.connect({ sub: 'bob' });
    const seen = await before(stack, v);
    // export_data's result asks for step-up: a stranger must not be offered one (that would confirm the task).
    await assertAnswersLikeUnknown(bob, v.taskId);
    await assertUnchanged(stack, v.alice, v.taskId, seen, v.gate);
    await assertVictimCancels(stack, v.alice, v.taskId, v.gate);
  });

  it('mallory of another tenant replaying alice\'s task id gets exactly the answer for an id that never existed', async () => {
    const v = await victim(stack);
    const mallory = await stack.connect({ sub: 'mallory', tenant: 'globex' });
    // The same sub in another tenant is another identity.
    const aliceOfGlobex = await stack.connect({ sub: 'alice', tenant: 'globex' });
    const seen = await before(stack, v);
    await assertAnswersLikeUnknown(mallory, v.taskId);
    await assertAnswersLikeUnknown(aliceOfGlobex, v.taskId);
    await assertUnchanged(stack, v.alice, v.taskId, seen, v.gate);
    await assertVictimCancels(stack, v.alice, v.taskId, v.gate);
  });

  it('alice herself from another client app (docs-console) gets exactly the answer for an id that never existed', async () => {
    const v = await victim(stack);
    const otherApp = await stack.connect({ sub: 'alice', client: 'docs-console' });
    // Fresh MFA does not change the binding either.
    const otherAppMfa = await stack.connect({ sub: 'alice', client: 'docs-console', acr: 'urn:example:mfa', authTimeS: Math.floor(Date.now() / 1000) - 5 });
    const seen = await before(stack, v);
    await assertAnswersLikeUnknown(otherApp, v.taskId);
    await assertAnswersLikeUnknown(otherAppMfa, v.taskId);
    await assertUnchanged(stack, v.alice, v.taskId, seen, v.gate);
    await assertVictimCancels(stack, v.alice, v.taskId, v.gate);
  });

  it('bob cancelling alice\'s task changes nothing: the tool keeps running and completes for alice', async () => {
    const v = await victim(stack, 'convert_document');
    const bob = await stack.connect({ sub: 'bob' });
    const seen = await before(stack, v);
    assert.equal(seen.task.statusMessage, 'converting');
    for (let i = 0; i < 3; i++) assert.deepEqual(await rpcError(bob.cancel(v.taskId)), NOT_FOUND);
    await assertUnchanged(stack, v.alice, v.taskId, seen, v.gate);
    // The work was never stopped: released, it finishes and alice reads its result.
    stack.gates.release(v.gate);
    await waitForStatus(v.alice, v.taskId, 'completed');
    assert.equal(stack.gates.aborted.has(v.gate), false);
    assert.deepEqual((await v.alice.result(v.taskId)).content, [{ type: 'text', text: 'SECRET DRAFT' }]);
    const events = stack.audit.filter((e) => e.kind === 'lifecycle' && e.task_id === v.taskId).map((e) => `${e.event}:${e.status}`);
    assert.deepEqual(events, ['created:working', 'status:working', 'status:completed', 'result_read:completed']);
  });

  it('forged and malformed ids are "invalid task id", well-formed unknown ones "task not found", for the owner too', async () => {
    const v = await victim(stack, 'convert_document');
    const id = v.taskId;
    const bob = await stack.connect({ sub: 'bob' });
    const seen = await before(stack, v);
    const malformed: Array<[string, string]> = [
      ['empty string', ''],
      ['10 KB string', 'a'.repeat(10_240)],
      ['SQL-ish', `${id}' OR '1'='1`],
      ['SQL-ish, alone', '\'; DROP TABLE tasks; --'],
      ['path traversal', `../../tasks/${id}`],
      ['path traversal, encoded', `..%2F..%2F${id}`],
      ['unicode look-alike: fullwidth version digit', `${id.slice(0, 14)}\uFF14${id.slice(15)}`],
      ['unicode look-alike: U+2010 hyphen', id.replace('-', '\u2010')],
      ['trailing newline', `${id}\n`],
      ['leading space', ` ${id}`],
      ['trailing NUL', `${id}\u0000`],
      ['braced', `{${id}}`],
      ['no hyphens', id.replaceAll('-', '')],
    ];
    if (id.toUpperCase() !== id) malformed.push(['upper case', id.toUpperCase()]);
    assert.equal(id[14], '4', 'a v4 UUID');

    const lastChar = id.at(-1) === '0' ? '1' : '0';
    const wellFormedUnknown: Array<[string, string]> = [
      ['random', randomUUID()],
      ['random', randomUUID()],
      ['nil UUID', '00000000-0000-0000-0000-000000000000'],
      ['max UUID', 'ffffffff-ffff-ffff-ffff-ffffffffffff'],
      ['the real id with its last digit changed', `${id.slice(0, -1)}${lastChar}`],
    ];

    for (const caller of [v.alice, bob]) {
      for (const op of TASK_OPS) {
        for (const [label, forged] of malformed) {
          assert.deepEqual(await rpcError(caller[op](forged)), INVALID_TASK_ID, `${op} ${label}`);
        }
        for (const [label, unknown] of wellFormedUnknown) {
          assert.deepEqual(await rpcError(caller[op](unknown)), NOT_FOUND, `${op} ${label}`);
        }
      }
    }
    await assertUnchanged(stack, v.alice, v.taskId, seen, v.gate);
    await assertVictimCancels(stack, v.alice, v.taskId, v.gate);
  });
});

/** The Mcp-Session-Id is not a credential: a session answers only the identity that opened it. */
describe('attacks on sessions', () => {
  let stack: Stack;
  beforeEach(async () => {
    stack = await startStack();
  });
  afterEach(async () => {
    await stack.close();
  });

  const SESSION_NOT_FOUND = { status: 404, wwwAuthenticate: null, contentType: 'application/json', text: '{"jsonrpc":"2.0","error":{"code":-32001,"message":"session not found"},"id":null}' };

  /** bob has a working session of his own, so his token is valid and any refusal is about the session id. */
  async function bobWithValidToken(): Promise<string> {
    const bob = await stack.connect({ sub: 'bob' });
    assert.deepEqual((await bob.list()).tasks, []);
    return `Bearer ${await stack.token({ sub: 'bob' })}`;
  }

  it('bob (and mallory, and alice\'s other app) POSTing tasks/* on alice\'s session id with a valid token of their own gets 404, exactly as for a made-up session id', async () => {
    const v = await victim(stack);
    const aliceSession = v.alice.sessionId();
    assert.ok(aliceSession);
    const attackers: Array<[string, string]> = [
      ['bob', await bobWithValidToken()],
      ['mallory@globex', `Bearer ${await stack.token({ sub: 'mallory', tenant: 'globex' })}`],
      ['alice@docs-console', `Bearer ${await stack.token({ sub: 'alice', client: 'docs-console' })}`],
    ];
    const seen = await before(stack, v);
    for (const [who, authorization] of attackers) {
      for (const method of ['tasks/get', 'tasks/cancel', 'tasks/result', 'tasks/list']) {
        const body = { jsonrpc: '2.0', id: 9, method, params: method === 'tasks/list' ? {} : { taskId: v.taskId } };
        const onAlices = await raw(stack, { authorization, sessionId: aliceSession, body });
        const madeUp = await raw(stack, { authorization, sessionId: randomUUID(), body });
        assert.deepEqual(onAlices, madeUp, `${who} ${method}: alice's session id answered differently from a made-up one`);
        assert.deepEqual(onAlices, { ...SESSION_NOT_FOUND, text: SESSION_NOT_FOUND.text.replace('"id":null', '"id":9') }, `${who} ${method}`);
      }
    }
    await assertUnchanged(stack, v.alice, v.taskId, seen, v.gate);
    // alice's session keeps working
    assert.equal(v.alice.sessionId(), aliceSession);
    assert.equal((await v.alice.getTask(v.taskId)).status, 'working');
    await assertVictimCancels(stack, v.alice, v.taskId, v.gate);
  });

  it('bob opening the SSE stream (GET) of alice\'s session gets 404, exactly as for a made-up session id', async () => {
    const v = await victim(stack);
    const aliceSession = v.alice.sessionId();
    assert.ok(aliceSession);
    const authorization = await bobWithValidToken();
    const seen = await before(stack, v);
    const onAlices = await raw(stack, { method: 'GET', authorization, sessionId: aliceSession });
    const madeUp = await raw(stack, { method: 'GET', authorization, sessionId: randomUUID() });
    assert.deepEqual(onAlices, madeUp);
    assert.deepEqual(onAlices, SESSION_NOT_FOUND);
    await assertUnchanged(stack, v.alice, v.taskId, seen, v.gate);
    assert.equal(v.alice.sessionId(), aliceSession);
    await assertVictimCancels(stack, v.alice, v.taskId, v.gate);
  });

  it('bob DELETEing alice\'s session gets 404, exactly as for a made-up session id, and her session lives on', async () => {
    const v = await victim(stack);
    const aliceSession = v.alice.sessionId();
    assert.ok(aliceSession);
    const authorization = await bobWithValidToken();
    const seen = await before(stack, v);
    const onAlices = await raw(stack, { method: 'DELETE', authorization, sessionId: aliceSession });
    const madeUp = await raw(stack, { method: 'DELETE', authorization, sessionId: randomUUID() });
    assert.deepEqual(onAlices, madeUp);
    assert.deepEqual(onAlices, SESSION_NOT_FOUND);
    await assertUnchanged(stack, v.alice, v.taskId, seen, v.gate);
    await assertVictimCancels(stack, v.alice, v.taskId, v.gate);
  });
});

/**
 * Found by this catalog (fixed in src/http/host.ts): a session was keyed by (tenant, sub, client_id) only,
 * so a token for alice through an RFC 8693 actor the policy refuses (act: evil-svc) counted as the session's
 * owner: it could terminate her session and attach to its SSE stream, where it read her task status
 * notifications. Sessions are now bound to the acting identity, actor included.
 */
describe('sessions keep out an untrusted RFC 8693 actor acting for their owner', () => {
  let stack: Stack;
  beforeEach(async () => {
    stack = await startStack();
  });
  afterEach(async () => {
    await stack.close();
  });

  const evilFor = async (sub: string): Promise<string> => `Bearer ${await stack.token({ sub, act: { sub: 'evil-svc' } })}`;

  it('an untrusted actor (act evil-svc) acting for alice cannot DELETE her session: the made-up-session answer, and her session lives on', async () => {
    const v = await victim(stack);
    const aliceSession = v.alice.sessionId();
    assert.ok(aliceSession);
    const authorization = await evilFor('alice');
    // The policy refuses this principal everything.
    const evil = await stack.connect({ token: authorization.slice('Bearer '.length) });
    assert.deepEqual(await rpcError(evil.getTask(v.taskId)), { code: -32003, message: 'MCP error -32003: access denied', data: { reasons: ['actor_not_allowed'] } });
    const seen = await before(stack, v);

    const madeUp = await raw(stack, { method: 'DELETE', authorization, sessionId: randomUUID() });
    const onAlices = await raw(stack, { method: 'DELETE', authorization, sessionId: aliceSession });
    assert.deepEqual(onAlices, madeUp, 'the untrusted actor terminated alice\'s session');
    await assertUnchanged(stack, v.alice, v.taskId, seen, v.gate);
    await assertVictimCancels(stack, v.alice, v.taskId, v.gate);
  });

  it('an untrusted actor (act evil-svc) acting for alice cannot open her session\'s SSE stream to read her task notifications', async () => {
    // alice's session opened by hand, without the standalone SSE stream the SDK client would hold.
    const aliceAuth = `Bearer ${await stack.token({ sub: 'alice' })}`;
    const headers = (authorization: string, sessionId?: string): Record<string, string> => ({
      'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization, 'mcp-protocol-version': '2025-11-25',
      ...(sessionId === undefined ? {} : { 'mcp-session-id': sessionId }),
    });
    const init = await fetch(stack.url, {
      method: 'POST', headers: headers(aliceAuth),
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1.0.0' } } }),
    });
    const aliceSession = init.headers.get('mcp-session-id');
    await init.text();
    assert.ok(aliceSession);
    await (await fetch(stack.url, { method: 'POST', headers: headers(aliceAuth, aliceSession), body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) })).text();

    const authorization = await evilFor('alice');
    const madeUp = await raw(stack, { method: 'GET', authorization, sessionId: randomUUID() });
    const abort = new AbortController();
    try {
      const res = await fetch(stack.url, { method: 'GET', headers: { accept: 'text/event-stream', authorization, 'mcp-session-id': aliceSession }, signal: abort.signal });
      const answer = res.status === 200 ? { status: 200 } : { status: res.status, text: await res.text() };
      assert.deepEqual(answer, { status: madeUp.status, text: madeUp.text }, 'the untrusted actor holds alice\'s SSE stream');
    } finally {
      abort.abort();
    }
  });
});
