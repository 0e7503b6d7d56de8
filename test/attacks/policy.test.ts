import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, waitForStatus, type GuardedClient, type Stack } from '../support/stack.js';
import {
  accessDenied, assertAnswersLikeUnknown, assertUnchanged, assertVictimCancels, gateName, gateReached, lifecycleCount, nowS, raw, rpcError,
  snapshot, TASK_OPS, type WireError,
} from './helpers.js';

/**
 * Attacks on what policy decides: TTL, task support, chaining, step-up, revocation, supervisors across
 * tenants and untrusted RFC 8693 actors. Each is refused and leaves the victim's state as it was.
 */

const STEP_UP_CHALLENGE = 'Bearer error="insufficient_user_authentication", error_description="a more recent or stronger authentication is required", acr_values="urn:example:mfa", max_age=300';
const mfa = (): { acr: string; authTimeS: number } => ({ acr: 'urn:example:mfa', authTimeS: nowS() - 10 });

/** alice with a task held in `working` at a fresh gate: the state an attack must not change. */
async function aliceWithRunningTask(stack: Stack): Promise<{ alice: GuardedClient; taskId: string; gate: string }> {
  const alice = await stack.connect({ sub: 'alice' });
  const gate = gateName('policy-victim');
  const { taskId } = await alice.createTask('convert_document', { text: 'victim', gate });
  await stack.gates.started(gate);
  return { alice, taskId, gate };
}

function text(result: { content: Array<{ type: string; text?: string }> }): string {
  const first = result.content[0];
  assert.ok(first?.type === 'text' && typeof first.text === 'string', 'a text result');
  return first.text;
}

describe('attacks on policy decisions', () => {
  let stack: Stack;
  beforeEach(async () => {
    stack = await startStack();
  });
  afterEach(async () => {
    await stack.close();
  });

  it('a TTL above the cap is capped to the tool\'s max, or the global max when the tool sets none', async () => {
    const alice = await stack.connect({ sub: 'alice' });
    const capped = await alice.createTask('export_data', { rows: 1 }, 1e9);
    assert.equal(capped.ttl, 1_800_000, 'export_data max_ttl_ms');
    assert.equal((await alice.getTask(capped.taskId)).ttl, 1_800_000, 'stored as capped, not as asked');
    for (const ttl of [1e9, Number.MAX_SAFE_INTEGER, Number.MAX_VALUE]) {
      const global = await alice.createTask('approve_publication', { title: 'report' }, ttl);
      assert.equal(global.ttl, 3_600_000, `defaults.max_ttl_ms for ttl ${ttl}`);
      assert.equal((await alice.getTask(global.taskId)).ttl, 3_600_000);
    }
  });

  it('a non-positive (or fractional) TTL is refused and creates nothing', async () => {
    const { alice, taskId, gate } = await aliceWithRunningTask(stack);
    const seen = await snapshot(stack, alice, taskId);
    // A fraction is not the spec's integer: invalid params at the wire (issue 9), before any decision. A
    // whole number the policy will not take is its invalid_ttl.
    const refusals: Array<[number, WireError]> = [
      [0, accessDenied('invalid_ttl')], [-1, accessDenied('invalid_ttl')], [-1e9, accessDenied('invalid_ttl')],
      [1.5, { code: -32602, message: 'MCP error -32602: task.ttl must be a whole number of milliseconds', data: undefined }],
    ];
    for (const [ttl, refusal] of refusals) {
      const toolGate = gateName('bad-ttl');
      assert.deepEqual(await rpcError(alice.createTask('convert_document', { text: 'x', gate: toolGate }, ttl)), refusal, `ttl ${ttl}`);
      assert.equal(await gateReached(stack.gates, toolGate), false, 'the tool ran');
    }
    await assertUnchanged(stack, alice, taskId, seen, gate);
    await assertVictimCancels(stack, alice, taskId, gate);
  });

  it('a task-forbidden tool (lookup) asked for as a task is -32601 and creates nothing', async () => {
    const { alice, taskId, gate } = await aliceWithRunningTask(stack);
    const seen = await snapshot(stack, alice, taskId);
    assert.deepEqual(await rpcError(alice.createTask('lookup', { q: 'x' })), {
      code: -32601, message: 'MCP error -32601: tool lookup cannot run as a task', data: undefined,
    });
    assert.deepEqual(await rpcError(alice.createTask('lookup', { q: 'x' }, 60_000)), {
      code: -32601, message: 'MCP error -32601: tool lookup cannot run as a task', data: undefined,
    });
    await assertUnchanged(stack, alice, taskId, seen, gate);
    await assertVictimCancels(stack, alice, taskId, gate);
  });

  it('a task-required tool (convert_document) called without a task is -32601 and never runs', async () => {
    const { alice, taskId, gate } = await aliceWithRunningTask(stack);
    const seen = await snapshot(stack, alice, taskId);
    const toolGate = gateName('plain-convert');
    assert.deepEqual(await rpcError(alice.call('convert_document', { text: 'x', gate: toolGate })), {
      code: -32601, message: 'MCP error -32601: tool convert_document must run as a task', data: undefined,
    });
    assert.equal(await gateReached(stack.gates, toolGate), false, 'convert_document ran');
    await assertUnchanged(stack, alice, taskId, seen, gate);
    await assertVictimCancels(stack, alice, taskId, gate);
  });

  it('a chained call outside the creation scope is denied inside the task, and the chained tool never runs', async () => {
    // The token that creates the workflow lacks reports:export, which export_data requires.
    const narrow = await stack.connect({ sub: 'alice', scope: 'workflows:run reports:read' });
    const chainGate = gateName('chained-export');
    const { taskId } = await narrow.createTask('run_workflow', {
      steps: [{ tool: 'lookup', args: { q: 'before' } }, { tool: 'export_data', args: { rows: 7, gate: chainGate } }],
    });
    await waitForStatus(narrow, taskId, 'completed');
    const output = text(await narrow.result(taskId));
    assert.equal(output, 'lookup: answer to before\nexport_data: denied (access denied)');
    assert.equal(output.includes('exported'), false, 'export_data produced output');
    assert.equal(await gateReached(stack.gates, chainGate), false, 'export_data ran');

    const chains = stack.audit.filter((e) => e.kind === 'decision' && e.op === 'chain' && e.task_id === taskId);
    assert.deepEqual(chains.map((e) => [e.tool, e.allow, e.reasons]), [['lookup', true, []], ['export_data', false, ['chain_scope_exceeded']]]);
    // The workflow's own lifecycle only; export_data never had one.
    const events = stack.audit.filter((e) => e.kind === 'lifecycle' && e.task_id === taskId).map((e) => `${e.event}:${e.status}`);
    assert.deepEqual(events, ['created:working', 'status:completed', 'result_read:completed']);
    assert.equal(stack.audit.some((e) => e.kind === 'lifecycle' && e.tool === 'export_data'), false);
  });

  it('step-up bypass: stale, missing, wrong or future-dated authentication on tasks/result is a 401 challenge, and consumes nothing', async () => {
    const alice = await stack.connect({ sub: 'alice' });
    const { taskId } = await alice.createTask('export_data', { rows: 4 });
    await waitForStatus(alice, taskId, 'completed');
    const sessionId = alice.sessionId();
    assert.ok(sessionId);
    const stale = await stack.connect({ sub: 'alice', acr: 'urn:example:mfa', authTimeS: nowS() - 3600 });
    const bob = await stack.connect({ sub: 'bob' });
    const bobMfa = await stack.connect({ sub: 'bob', ...mfa() });
    const seen = await snapshot(stack, alice, taskId);
    // A stranger is never offered step-up (that would confirm the task exists), with or without MFA.
    await assertAnswersLikeUnknown(bob, taskId, ['result']);
    await assertAnswersLikeUnknown(bobMfa, taskId, ['result']);

    const attempts: Array<[string, Parameters<Stack['token']>[0]]> = [
      ['stale auth_time', { sub: 'alice', acr: 'urn:example:mfa', authTimeS: nowS() - 3600 }],
      ['missing acr', { sub: 'alice', authTimeS: nowS() - 10 }],
      ['wrong acr', { sub: 'alice', acr: 'urn:example:password', authTimeS: nowS() - 10 }],
      ['missing auth_time', { sub: 'alice', acr: 'urn:example:mfa' }],
      ['auth_time in the future', { sub: 'alice', acr: 'urn:example:mfa', authTimeS: nowS() + 3600 }],
      ['no acr and no auth_time', { sub: 'alice' }],
    ];
    for (const [label, who] of attempts) {
      const answer = await raw(stack, {
        authorization: `Bearer ${await stack.token(who)}`, sessionId,
        body: { jsonrpc: '2.0', id: 11, method: 'tasks/result', params: { taskId } },
      });
      assert.equal(answer.status, 401, label);
      assert.equal(answer.wwwAuthenticate, STEP_UP_CHALLENGE, label);
      assert.deepEqual(JSON.parse(answer.text), {
        jsonrpc: '2.0', id: 11,
        error: { code: -32004, message: 'step-up authentication required', data: { error: 'insufficient_user_authentication', acr_values: 'urn:example:mfa', max_age: 300 } },
      }, label);
    }
    // Through the SDK client too.
    await assert.rejects(stale.result(taskId), /insufficient_user_authentication/);

    // Nothing was read: same task (lastUpdatedAt included), no result_read or revoked record.
    await assertUnchanged(stack, alice, taskId, seen);
    const fresh = await stack.connect({ sub: 'alice', ...mfa() });
    const result = await fresh.result(taskId);
    assert.deepEqual(result.structuredContent, { rows: 4 });
    assert.equal(text(result), 'exported 4 rows for alice');
  });

  it('a revoked single-read result handle reused is -32003 result_revoked, even with fresh MFA', async () => {
    const alice = await stack.connect({ sub: 'alice' });
    const { taskId } = await alice.createTask('export_data', { rows: 2 });
    await waitForStatus(alice, taskId, 'completed');
    const reader = await stack.connect({ sub: 'alice', ...mfa() });
    assert.deepEqual((await reader.result(taskId)).structuredContent, { rows: 2 });

    const freshAgain = await stack.connect({ sub: 'alice', ...mfa() });
    const bob = await stack.connect({ sub: 'bob', ...mfa() });
    const seen = await snapshot(stack, alice, taskId);
    assert.equal(seen.task.status, 'completed');

    assert.deepEqual(await rpcError(reader.result(taskId)), accessDenied('result_revoked'), 'the reader again');
    assert.deepEqual(await rpcError(freshAgain.result(taskId)), accessDenied('result_revoked'), 'a new fresh-MFA token');
    // Without MFA the answer is the same: a revoked result offers no step-up.
    assert.deepEqual(await rpcError(alice.result(taskId)), accessDenied('result_revoked'), 'no MFA');
    // A stranger learns nothing of the state (completed, revoked, not cancellable) either.
    await assertAnswersLikeUnknown(bob, taskId, TASK_OPS);

    await assertUnchanged(stack, alice, taskId, seen);
    const events = stack.audit.filter((e) => e.kind === 'lifecycle' && e.task_id === taskId).map((e) => e.event);
    assert.deepEqual(events, ['created', 'status', 'result_read', 'revoked'], 'read exactly once');
  });

  it('a supervisor of acme acting on a globex task gets exactly the answer for a task that does not exist', async () => {
    const mallory = await stack.connect({ sub: 'mallory', tenant: 'globex' });
    const gate = gateName('globex-task');
    const { taskId } = await mallory.createTask('export_data', { rows: 5, gate });
    await stack.gates.started(gate);
    const carol = await stack.connect({ sub: 'carol', tenant: 'acme', roles: ['task-supervisor'], client: 'ops-console' });

    // Control: carol's role does work on a task of her own tenant.
    const acme = await aliceWithRunningTask(stack);
    assert.equal((await carol.getTask(acme.taskId)).status, 'working');

    const seen = await snapshot(stack, mallory, taskId);
    await assertAnswersLikeUnknown(carol, taskId, TASK_OPS);
    assert.equal(stack.audit.some((e) => e.kind === 'decision' && e.task_id === taskId && e.delegated === true), false);
    assert.equal(stack.audit.filter((e) => e.kind === 'decision' && e.task_id === taskId && e.principal?.sub === 'carol' && e.allow).length, 0);

    await assertUnchanged(stack, mallory, taskId, seen, gate);
    await assertVictimCancels(stack, mallory, taskId, gate);
  });

  it('an RFC 8693 actor not trusted by data (act evil-svc) is refused everything, and changes nothing', async () => {
    const { alice, taskId, gate } = await aliceWithRunningTask(stack);
    const evil = await stack.connect({ sub: 'alice', act: { sub: 'evil-svc' }, ...mfa() });
    const evilForBob = await stack.connect({ sub: 'bob', act: { sub: 'evil-svc' } });
    const trusted = await stack.connect({ sub: 'alice', act: { sub: 'svc-batch' } });
    const seen = await snapshot(stack, alice, taskId);

    const denied = accessDenied('actor_not_allowed');
    const toolGate = gateName('evil-create');
    assert.deepEqual(await rpcError(evil.createTask('convert_document', { text: 'x', gate: toolGate })), denied, 'create');
    assert.equal(await gateReached(stack.gates, toolGate), false);
    assert.deepEqual(await rpcError(evil.createTask('export_data', { rows: 1 })), denied, 'create export_data');
    assert.deepEqual(await rpcError(evil.call('lookup', { q: 'x' })), denied, 'plain call');
    assert.deepEqual(await rpcError(evil.list()), denied, 'list');
    for (const op of TASK_OPS) assert.deepEqual(await rpcError(evil[op](taskId)), denied, `${op} on the subject's own task`);
    // The same refusal for an id that never existed: it cannot tell alice's real task ids from made-up ones.
    for (const op of TASK_OPS) assert.deepEqual(await rpcError(evil[op](randomUUID())), denied, `${op} on an unknown id`);
    // Acting for someone who does not own the task: the same uniform refusal, for real and unknown ids alike.
    for (const op of TASK_OPS) {
      assert.deepEqual(await rpcError(evilForBob[op](taskId)), denied, `${op} for bob on alice's task`);
      assert.deepEqual(await rpcError(evilForBob[op](randomUUID())), denied, `${op} for bob on an unknown id`);
    }

    // Nothing was created in alice's name (her list), cancelled or recorded.
    await assertUnchanged(stack, alice, taskId, seen, gate);
    // Control: a trusted actor may act for alice.
    assert.equal((await trusted.getTask(taskId)).status, 'working');
    assert.equal(lifecycleCount(stack), seen.lifecycle);
    await assertVictimCancels(stack, alice, taskId, gate);
  });
});
