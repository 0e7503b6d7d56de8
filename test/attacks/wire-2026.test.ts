import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { waitForStatus, type Who } from '../support/stack.js';
import { mfa, resultOf, startStack2026, waitFor2026, type RawReply, type Stack2026 } from '../wire-2026/support.js';
import { gateName, gateReached, lifecycleCount, nowS, waitUntil } from './helpers.js';

/**
 * The attack catalog on the 2026-07-28 wire (the tasks extension on a v2 server): the same attacks as on
 * 2025-11-25 wherever they apply, each asserting the refusal, byte for byte where it must not tell a
 * foreign task from a missing one, and that nothing changed.
 */

type Method = 'tasks/get' | 'tasks/update' | 'tasks/cancel';
const METHODS: readonly Method[] = ['tasks/get', 'tasks/update', 'tasks/cancel'];
const NOT_FOUND = { jsonrpc: '2.0', id: 1, error: { code: -32602, message: 'task not found' } };
const INVALID_TASK_ID = { jsonrpc: '2.0', id: 1, error: { code: -32602, message: 'invalid task id' } };
const alice: Who = { sub: 'alice' };

const paramsFor = (method: Method, taskId: unknown): Record<string, unknown> =>
  method === 'tasks/update' ? { taskId, inputResponses: { 'input-1': { action: 'accept', content: { approve: true } } } } : { taskId };

/** The whole exchange (HTTP status, challenge, JSON-RPC object) for `taskId` equals the one for a UUID that never existed, and is "not found". */
async function assertAnswersLikeUnknown(stack: Stack2026, who: Who, taskId: string, methods: readonly Method[] = METHODS): Promise<void> {
  for (const method of methods) {
    const replayed = await stack.rpc(who, method, paramsFor(method, taskId));
    const unknown = await stack.rpc(who, method, paramsFor(method, randomUUID()));
    assert.deepEqual(replayed, unknown, `${method}: someone else's task is answered otherwise than one that never existed`);
    assert.deepEqual(replayed.body, NOT_FOUND, method);
  }
}

interface Seen {
  task: Record<string, unknown>;
  lifecycle: number;
}

/** What the owner sees of its task through the 2026 wire (a working task's get reads nothing). */
async function snapshot(stack: Stack2026, owner: Who, taskId: string): Promise<Seen> {
  return { task: resultOf(await stack.rpc(owner, 'tasks/get', { taskId })), lifecycle: lifecycleCount(stack) };
}

async function assertUnchanged(stack: Stack2026, owner: Who, taskId: string, before: Seen, gate?: string): Promise<void> {
  assert.deepEqual(resultOf(await stack.rpc(owner, 'tasks/get', { taskId })), before.task, 'the victim\'s task changed');
  assert.equal(lifecycleCount(stack), before.lifecycle, 'the attack wrote a lifecycle record');
  if (gate !== undefined) assert.equal(stack.gates.aborted.has(gate), false, 'the attack stopped the running tool');
}

/** The owner can still cancel, and that really stops the tool waiting at `gate`. */
async function assertOwnerCancels(stack: Stack2026, owner: Who, taskId: string, gate: string): Promise<void> {
  assert.equal(resultOf(await stack.rpc(owner, 'tasks/cancel', { taskId }))['resultType'], 'complete');
  await waitUntil(() => stack.gates.aborted.has(gate));
  assert.equal(resultOf(await stack.rpc(owner, 'tasks/get', { taskId }))['status'], 'cancelled');
}

/** `owner`'s task of `tool`, held in `working` at a fresh gate. */
async function running(stack: Stack2026, owner: Who = alice, tool = 'export_data'): Promise<{ taskId: string; gate: string }> {
  const gate = gateName(`victim-2026-${tool}`);
  const args = tool === 'export_data' ? { rows: 3, gate } : { text: 'secret draft', gate };
  const taskId = resultOf(await stack.rpc(owner, 'tools/call', { name: tool, arguments: args }))['taskId'] as string;
  await stack.gates.started(gate);
  return { taskId, gate };
}

describe('attacks on the 2026-07-28 wire', () => {
  let stack: Stack2026;
  beforeEach(async () => {
    stack = await startStack2026();
  });
  afterEach(async () => {
    await stack.close();
  });

  it('binding: another user, tenant or client app on get, update and cancel gets exactly the answer for a task that never existed', async () => {
    const { taskId, gate } = await running(stack);
    const seen = await snapshot(stack, alice, taskId);
    const strangers: Who[] = [
      { sub: 'bob' },
      { sub: 'mallory', tenant: 'globex' },
      { sub: 'alice', tenant: 'globex' },
      { sub: 'alice', client: 'docs-console' },
      // Fresh MFA changes nothing about whose task it is.
      { sub: 'alice', client: 'docs-console', acr: 'urn:example:mfa', authTimeS: nowS() - 5 },
      mfa('bob'),
    ];
    for (const who of strangers) await assertAnswersLikeUnknown(stack, who, taskId);
    await assertUnchanged(stack, alice, taskId, seen, gate);
    await assertOwnerCancels(stack, alice, taskId, gate);
  });

  it('bob cancelling alice\'s task changes nothing: the tool keeps running and completes for her', async () => {
    const { taskId, gate } = await running(stack, alice, 'convert_document');
    const seen = await snapshot(stack, alice, taskId);
    for (let i = 0; i < 3; i++) assert.deepEqual((await stack.rpc({ sub: 'bob' }, 'tasks/cancel', { taskId })).body, NOT_FOUND);
    await assertUnchanged(stack, alice, taskId, seen, gate);
    stack.gates.release(gate);
    const done = resultOf(await waitFor2026(stack, alice, taskId, 'completed'));
    assert.deepEqual(done['result'], { resultType: 'complete', content: [{ type: 'text', text: 'SECRET DRAFT' }] });
  });

  it('bob answering alice\'s question, with the right key and fresh MFA, is "not found" and reaches nothing; her own answer does', async () => {
    const taskId = resultOf(await stack.rpc(mfa(), 'tools/call', { name: 'approve_publication', arguments: { title: 'report' } }))['taskId'] as string;
    await waitFor2026(stack, mfa(), taskId, 'input_required');
    const seen = await snapshot(stack, mfa(), taskId);
    for (const who of [mfa('bob'), { ...mfa(), tenant: 'globex' }, { ...mfa(), client: 'docs-console' }]) {
      const forged = await stack.rpc(who, 'tasks/update', { taskId, inputResponses: { 'input-1': { action: 'accept', content: { approve: false } } } });
      assert.deepEqual(forged.body, NOT_FOUND);
      // Nor does the stranger see the question.
      assert.deepEqual((await stack.rpc(who, 'tasks/get', { taskId })).body, NOT_FOUND);
    }
    await assertUnchanged(stack, mfa(), taskId, seen);
    await stack.rpc(mfa(), 'tasks/update', { taskId, inputResponses: { 'input-1': { action: 'accept', content: { approve: true } } } });
    assert.deepEqual(resultOf(await waitFor2026(stack, mfa(), taskId, 'completed'))['result'], { resultType: 'complete', content: [{ type: 'text', text: 'approved report' }] });
  });

  it('forged and malformed ids are "invalid task id", well-formed unknown ones "task not found", for the owner too', async () => {
    const { taskId: id, gate } = await running(stack, alice, 'convert_document');
    const seen = await snapshot(stack, alice, id);
    const malformed = [
      '', 'a'.repeat(10_240), `${id}' OR '1'='1`, `../../tasks/${id}`, `${id.slice(0, 14)}\uFF14${id.slice(15)}`, id.replace('-', '\u2010'),
      ` ${id}`, `${id}\u0000`, `{${id}}`, id.replaceAll('-', ''), id.toUpperCase() === id ? `x${id}` : id.toUpperCase(),
    ];
    const lastChar = id.at(-1) === '0' ? '1' : '0';
    const unknown = [randomUUID(), '00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', `${id.slice(0, -1)}${lastChar}`];
    for (const who of [alice, { sub: 'bob' }]) {
      for (const method of METHODS) {
        for (const forged of malformed) assert.deepEqual((await stack.rpc(who, method, paramsFor(method, forged))).body, INVALID_TASK_ID, `${method} ${forged.slice(0, 40)}`);
        for (const never of unknown) assert.deepEqual((await stack.rpc(who, method, paramsFor(method, never))).body, NOT_FOUND, `${method} ${never}`);
      }
    }
    await assertUnchanged(stack, alice, id, seen, gate);
    await assertOwnerCancels(stack, alice, id, gate);
  });

  it('step-up bypass on an inlined result: stale, missing, wrong or future-dated authentication is a 401 that reads nothing; a stranger is never offered step-up', async () => {
    const taskId = resultOf(await stack.rpc(alice, 'tools/call', { name: 'export_data', arguments: { rows: 4 } }))['taskId'] as string;
    // The 2025 get shows the status without reading the result.
    await waitForStatus(await stack.connect(alice), taskId, 'completed');
    const before = lifecycleCount(stack);
    await assertAnswersLikeUnknown(stack, mfa('bob'), taskId, ['tasks/get']);
    await assertAnswersLikeUnknown(stack, { sub: 'bob' }, taskId, ['tasks/get']);
    const attempts: Who[] = [
      { sub: 'alice', acr: 'urn:example:mfa', authTimeS: nowS() - 3600 },
      { sub: 'alice', authTimeS: nowS() - 10 },
      { sub: 'alice', acr: 'urn:example:password', authTimeS: nowS() - 10 },
      { sub: 'alice', acr: 'urn:example:mfa' },
      { sub: 'alice', acr: 'urn:example:mfa', authTimeS: nowS() + 3600 },
      alice,
    ];
    for (const who of attempts) {
      const answer: RawReply = await stack.rpc(who, 'tasks/get', { taskId });
      assert.equal(answer.status, 401, JSON.stringify(who));
      assert.equal(answer.body.error?.code, -32004);
      assert.equal(JSON.stringify(answer.body).includes('exported'), false, 'the payload went out with the challenge');
    }
    assert.equal(lifecycleCount(stack), before, 'a refused get read the result');
    assert.deepEqual(resultOf(await stack.rpc(mfa(), 'tasks/get', { taskId }))['result'], {
      resultType: 'complete', content: [{ type: 'text', text: 'exported 4 rows for alice' }], structuredContent: { rows: 4 },
    });
  });

  it('the single-read purge race, with strangers racing the owner: exactly one owner\'s get wins, no stranger ever does', async () => {
    const taskId = resultOf(await stack.rpc(alice, 'tools/call', { name: 'export_data', arguments: { rows: 5 } }))['taskId'] as string;
    await waitForStatus(await stack.connect(alice), taskId, 'completed');
    const racers = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? mfa() : mfa(i % 4 === 1 ? 'bob' : 'mallory')));
    const replies = await Promise.all(racers.map((who) => stack.rpc(who, 'tasks/get', { taskId })));
    const won = replies.map((r, i) => [racers[i]?.sub, r.body.result !== undefined] as const).filter(([, w]) => w);
    assert.deepEqual(won, [['alice', true]]);
    for (const r of replies.filter((reply) => !reply.body.result)) assert.deepEqual(r.body, NOT_FOUND);
    await assertAnswersLikeUnknown(stack, mfa(), taskId);
  });

  it('a chained call outside the creation scope is denied inside the task, and the chained tool never runs', async () => {
    const narrow: Who = { sub: 'alice', scope: 'workflows:run reports:read' };
    const chainGate = gateName('chained-export-2026');
    const taskId = resultOf(await stack.rpc(narrow, 'tools/call', {
      name: 'run_workflow', arguments: { steps: [{ tool: 'lookup', args: { q: 'before' } }, { tool: 'export_data', args: { rows: 7, gate: chainGate } }] },
    }))['taskId'] as string;
    const done = resultOf(await waitFor2026(stack, narrow, taskId, 'completed'));
    assert.deepEqual(done['result'], { resultType: 'complete', content: [{ type: 'text', text: 'lookup: answer to before\nexport_data: denied (access denied)' }] });
    assert.equal(await gateReached(stack.gates, chainGate), false, 'export_data ran');
    const chains = stack.audit.filter((e) => e.kind === 'decision' && e.op === 'chain' && e.task_id === taskId);
    assert.deepEqual(chains.map((e) => [e.tool, e.allow, e.reasons]), [['lookup', true, []], ['export_data', false, ['chain_scope_exceeded']]]);
    assert.equal(stack.audit.some((e) => e.kind === 'lifecycle' && e.tool === 'export_data'), false);
  });

  it('a TTL above the cap: the client cannot ask for one here (a 2025-style task.ttl is ignored), and a default above the caps is capped', async () => {
    for (const ttl of [1e9, Number.MAX_SAFE_INTEGER, -1, 0.5]) {
      const gate = gateName('ttl-2026');
      const created = resultOf(await stack.rpc(alice, 'tools/call', { name: 'export_data', arguments: { rows: 1, gate }, task: { ttl } }));
      assert.equal(created['ttlMs'], 900_000, `export_data's own default, whatever task.ttl ${ttl} said`);
      assert.equal(resultOf(await stack.rpc(alice, 'tasks/get', { taskId: created['taskId'] }))['ttlMs'], 900_000);
      stack.gates.release(gate);
    }
    // A tool default above the caps is capped: the tool's max, then the global max.
    const generous = await startStack2026({ data: { tools: { convert_document: { default_ttl_ms: 9_000_000_000 }, approve_publication: { default_ttl_ms: 9_000_000_000 } } } });
    try {
      assert.equal(resultOf(await generous.rpc(alice, 'tools/call', { name: 'convert_document', arguments: { text: 'x' } }))['ttlMs'], 1_800_000);
      assert.equal(resultOf(await generous.rpc(alice, 'tools/call', { name: 'approve_publication', arguments: { title: 'x' } }))['ttlMs'], 3_600_000);
    } finally {
      await generous.close();
    }
  });

  it('a tenant-A supervisor on a tenant-B task gets exactly the answer for a task that does not exist', async () => {
    const mallory: Who = { sub: 'mallory', tenant: 'globex' };
    const { taskId, gate } = await running(stack, mallory);
    const carol: Who = { sub: 'carol', tenant: 'acme', roles: ['task-supervisor'], client: 'ops-console' };
    // Control: her role does work on a task of her own tenant.
    const acme = await running(stack, alice, 'convert_document');
    assert.equal(resultOf(await stack.rpc(carol, 'tasks/get', { taskId: acme.taskId }))['status'], 'working');

    const seen = await snapshot(stack, mallory, taskId);
    await assertAnswersLikeUnknown(stack, carol, taskId);
    await assertAnswersLikeUnknown(stack, { ...carol, acr: 'urn:example:mfa', authTimeS: nowS() - 5 }, taskId);
    assert.equal(stack.audit.some((e) => e.kind === 'decision' && e.task_id === taskId && e.delegated === true), false);
    assert.equal(stack.audit.filter((e) => e.kind === 'decision' && e.task_id === taskId && e.principal?.sub === 'carol' && e.allow).length, 0);
    await assertUnchanged(stack, mallory, taskId, seen, gate);
    await assertOwnerCancels(stack, mallory, taskId, gate);
    stack.gates.release(acme.gate);
  });

  it('an expired task is answered exactly like one that never existed, on get, update and cancel, and its work is stopped', async () => {
    const short = await startStack2026({ data: { tools: { convert_document: { default_ttl_ms: 200 } } } });
    try {
      const gate = gateName('expiring-2026');
      const taskId = resultOf(await short.rpc(alice, 'tools/call', { name: 'convert_document', arguments: { text: 'x', gate } }))['taskId'] as string;
      await short.gates.started(gate);
      await waitUntil(() => short.audit.some((e) => e.kind === 'lifecycle' && e.event === 'expired' && e.task_id === taskId));
      assert.ok(short.gates.aborted.has(gate), 'expiry stopped the tool');
      await assertAnswersLikeUnknown(short, alice, taskId);
    } finally {
      await short.close();
    }
  });

  it('an untrusted RFC 8693 actor is refused the same way for real and made-up ids, on every method, and changes nothing', async () => {
    const { taskId, gate } = await running(stack);
    const seen = await snapshot(stack, alice, taskId);
    const evil: Who = { sub: 'alice', act: { sub: 'evil-svc' }, acr: 'urn:example:mfa', authTimeS: nowS() - 5 };
    const denied = { jsonrpc: '2.0', id: 1, error: { code: -32003, message: 'access denied', data: { reasons: ['actor_not_allowed'] } } };
    for (const method of METHODS) {
      assert.deepEqual((await stack.rpc(evil, method, paramsFor(method, taskId))).body, denied, `${method} on the subject's task`);
      assert.deepEqual((await stack.rpc(evil, method, paramsFor(method, randomUUID()))).body, denied, `${method} on an unknown id`);
    }
    const toolGate = gateName('evil-create-2026');
    assert.deepEqual((await stack.rpc(evil, 'tools/call', { name: 'convert_document', arguments: { text: 'x', gate: toolGate } })).body, denied);
    assert.equal(await gateReached(stack.gates, toolGate), false);
    await assertUnchanged(stack, alice, taskId, seen, gate);
    await assertOwnerCancels(stack, alice, taskId, gate);
  });
});

describe('attacks on the request state of a plain 2026-07-28 call\'s input rounds', () => {
  const INVALID_STATE = { jsonrpc: '2.0', id: 1, error: { code: -32602, message: 'invalid or expired requestState', data: { reason: 'invalid_request_state' } } };
  const ASKING = { elicitation: {} };
  const TOOLS = {
    transfer: { task_support: 'forbidden', risk: 'high', required_scopes: ['reports:read'] },
    other_transfer: { task_support: 'forbidden', risk: 'high', required_scopes: ['reports:read'] },
  };
  const GATHERING = { gated_export: { task_support: 'required', risk: 'high', required_scopes: ['reports:read'] } };
  let stack: Stack2026;
  let clock: number;
  const confirmed: string[] = [];
  const confirm = { inputResponses: { confirm: { action: 'accept', content: { ok: true } } } };

  beforeEach(async () => {
    clock = Date.now();
    confirmed.length = 0;
    stack = await startStack2026({ data: { tools: { ...TOOLS, ...GATHERING } }, guard: { now: () => clock } });
    // Asks to confirm a transfer of `to`; only a confirmed second round moves anything.
    for (const name of Object.keys(TOOLS)) {
      stack.guard.registerTool(name, { description: 'confirms, then transfers', inputSchema: { to: z.string() } }, (args, ctx) => {
        const rounds = ctx.rounds!;
        if (rounds.responses['confirm'] === undefined) {
          return Promise.resolve(rounds.ask({ confirm: { method: 'elicitation/create', params: { mode: 'form', message: `send to ${String(args['to'])}?`, requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } } } } } }, { by: ctx.principal.sub }));
        }
        confirmed.push(`${ctx.principal.sub}:${String(args['to'])}`);
        return Promise.resolve({ content: [{ type: 'text', text: 'sent' }] });
      });
    }
  });
  afterEach(async () => {
    await stack.close();
  });

  const call = (who: Who, retry: Record<string, unknown> = {}, name = 'transfer', to = 'bob'): Promise<RawReply> =>
    stack.rpc(who, 'tools/call', { name, arguments: { to }, ...retry }, { capabilities: ASKING });
  const aliceState = async (): Promise<string> => resultOf(await call(alice))['requestState'] as string;
  const refusals = (sub: string) => stack.audit.filter((e) => e.kind === 'decision' && e.op === 'input' && !e.allow && e.principal?.sub === sub && e.reasons?.includes('request_state_invalid') === true);

  it('alice\'s state replayed by another user, tenant, client app or actor opens for none of them: refused as invalid, nothing moves', async () => {
    const state = await aliceState();
    const strangers: Who[] = [
      { sub: 'bob' }, { sub: 'alice', tenant: 'globex' }, { sub: 'alice', client: 'docs-console' },
      { sub: 'alice', act: { sub: 'svc-reports' } },
    ];
    for (const who of strangers) {
      const reply = await call(who, { ...confirm, requestState: state });
      assert.deepEqual(reply.body, INVALID_STATE, JSON.stringify(who));
    }
    assert.deepEqual(confirmed, []);
    assert.equal(refusals('bob').length, 1);
    // Her own retry still goes through, once confirmed by her.
    assert.deepEqual(resultOf(await call(alice, { ...confirm, requestState: state }))['content'], [{ type: 'text', text: 'sent' }]);
    assert.deepEqual(confirmed, ['alice:bob']);
  });

  it('a tampered state is refused the same way: edited, extended, truncated, re-encoded or not a string', async () => {
    const state = await aliceState();
    const flipped = `${state.slice(0, 20)}${state[20] === 'A' ? 'B' : 'A'}${state.slice(21)}`;
    const tampered: unknown[] = [flipped, `${state}-TAMPERED`, state.slice(0, -4), `v2${state.slice(2)}`, `${state}=`, '', 5, { state }, null];
    for (const requestState of tampered) {
      assert.deepEqual((await call(alice, { ...confirm, requestState })).body, INVALID_STATE, JSON.stringify(requestState));
    }
    assert.deepEqual(confirmed, []);
  });

  it('a confirmation is bound to its call: replayed with other arguments or for another tool, it opens nothing', async () => {
    const state = await aliceState();
    assert.deepEqual((await call(alice, { ...confirm, requestState: state }, 'transfer', 'mallory')).body, INVALID_STATE);
    assert.deepEqual((await call(alice, { ...confirm, requestState: state }, 'other_transfer', 'bob')).body, INVALID_STATE);
    assert.deepEqual(confirmed, []);
  });

  it('a state gathering input for a task, replayed by another user, creates no task; its owner\'s retry does', async () => {
    stack.guard.registerTool('gated_export', {
      description: 'confirms before it becomes a task', inputSchema: { to: z.string() },
      gather: (_args, rounds) => (rounds.responses['confirm'] ? { confirmed: true } : rounds.ask({ confirm: { method: 'elicitation/create', params: { mode: 'form', message: 'export?', requestedSchema: { type: 'object', properties: {} } } } })),
    }, () => Promise.resolve({ content: [{ type: 'text', text: 'exported' }] }));
    const declaring = { ...ASKING, extensions: { 'io.modelcontextprotocol/tasks': {} } };
    const exportCall = (who: Who, retry: Record<string, unknown> = {}) => stack.rpc(who, 'tools/call', { name: 'gated_export', arguments: { to: 'bob' }, ...retry }, { capabilities: declaring });
    const state = resultOf(await exportCall(alice))['requestState'];
    assert.deepEqual((await exportCall({ sub: 'bob' }, { ...confirm, requestState: state })).body, INVALID_STATE);
    assert.equal(stack.audit.some((e) => e.kind === 'lifecycle' && e.event === 'created'), false);
    assert.equal(resultOf(await exportCall(alice, { ...confirm, requestState: state }))['resultType'], 'task');
  });

  it('an expired state is refused like a tampered one, at exactly ten minutes and after', async () => {
    const state = await aliceState();
    clock += 10 * 60_000;
    assert.deepEqual((await call(alice, { ...confirm, requestState: state })).body, INVALID_STATE);
    clock -= 1;
    assert.deepEqual(resultOf(await call(alice, { ...confirm, requestState: state }))['content'], [{ type: 'text', text: 'sent' }]);
  });

  it('policy data sets the lifetime (limits.request_state_ttl_ms): a state sealed under 90 s is refused at exactly 90 s', async () => {
    await stack.close();
    stack = await startStack2026({ data: { tools: { ...TOOLS, ...GATHERING }, limits: { request_state_ttl_ms: 90_000 } }, guard: { now: () => clock } });
    stack.guard.registerTool('transfer', { description: 'confirms, then transfers', inputSchema: { to: z.string() } }, (args, ctx) => {
      const rounds = ctx.rounds!;
      if (rounds.responses['confirm'] === undefined) {
        return Promise.resolve(rounds.ask({ confirm: { method: 'elicitation/create', params: { mode: 'form', message: 'send?', requestedSchema: { type: 'object', properties: {} } } } }));
      }
      return Promise.resolve({ content: [{ type: 'text', text: 'sent' }] });
    });
    const state = await aliceState();
    clock += 90_000;
    assert.deepEqual((await call(alice, { ...confirm, requestState: state })).body, INVALID_STATE);
    clock -= 1;
    assert.deepEqual(resultOf(await call(alice, { ...confirm, requestState: state }))['content'], [{ type: 'text', text: 'sent' }]);
  });
});
