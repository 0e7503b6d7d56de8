import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { startStack, waitForStatus, type Stack } from '../support/stack.js';
import { TASKGUARD_RPC_ERRORS } from '../../src/wire/rpc-errors.js';
import { rpcError } from '../support/rpc-error.js';

const nowS = (): number => Math.floor(Date.now() / 1000);


describe('the guard over real Streamable HTTP with the SDK client', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack.close();
  });

  it('advertises each tool\'s task support from policy data in tools/list', async () => {
    const alice = await stack.connect({ sub: 'alice' });
    const { tools } = await alice.client.listTools();
    const support = Object.fromEntries(tools.map((t) => [t.name, t.execution?.taskSupport]));
    assert.deepEqual(support, {
      export_data: 'optional', convert_document: 'required', lookup: 'forbidden', run_workflow: 'required', approve_publication: 'required',
    });
    assert.ok(alice.client.getServerCapabilities()?.tasks?.requests?.tools?.call, 'declares task-augmented tools/call');
  });

  it('runs a task end to end: capped ttl, polling, status message, result', async () => {
    const alice = await stack.connect({ sub: 'alice' });
    const task = await alice.createTask('convert_document', { text: 'hello', gate: 'e2e' }, 99_999_999);
    assert.equal(task.status, 'working');
    assert.equal(task.ttl, 1_800_000, 'the tool max caps the requested ttl');
    assert.equal(task.pollInterval, 500);
    await stack.gates.started('e2e');
    const polled = await alice.getTask(task.taskId);
    assert.equal(polled.statusMessage, 'converting');
    stack.gates.release('e2e');
    await waitForStatus(alice, task.taskId, 'completed');
    const result = await alice.result(task.taskId);
    assert.deepEqual(result.content, [{ type: 'text', text: 'HELLO' }]);
    assert.equal((result._meta?.['io.modelcontextprotocol/related-task'] as { taskId: string }).taskId, task.taskId);
  });

  it('blocks tasks/result until the task is terminal', async () => {
    const alice = await stack.connect({ sub: 'alice' });
    const task = await alice.createTask('convert_document', { text: 'wait', gate: 'block' });
    await stack.gates.started('block');
    const pending = alice.result(task.taskId);
    let settled = false;
    void pending.then(() => (settled = true), () => (settled = true));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(settled, false, 'still blocked while working');
    stack.gates.release('block');
    assert.deepEqual((await pending).content, [{ type: 'text', text: 'WAIT' }]);
  });

  it('a token that expires while tasks/result waits does not receive the result', async () => {
    const shortLived = await stack.connect({ sub: 'alice', expiresInS: 2 });
    const task = await shortLived.createTask('convert_document', { text: 'late', gate: 'outlive' });
    await stack.gates.started('outlive');
    const pending = rpcError(shortLived.result(task.taskId));
    // Token lifetime is wall-clock time by definition: wait it out, then let the task finish.
    await new Promise((r) => setTimeout(r, 2200));
    stack.gates.release('outlive');
    const err = await pending;
    assert.equal(err.code, TASKGUARD_RPC_ERRORS.unauthenticated);
    // Nothing was consumed: the owner with a current token still reads it.
    const alice = await stack.connect({ sub: 'alice' });
    assert.deepEqual((await alice.result(task.taskId)).content, [{ type: 'text', text: 'LATE' }]);
  });

  it('answers task-support mismatches with -32601, per the MCP spec', async () => {
    const alice = await stack.connect({ sub: 'alice' });
    assert.equal((await rpcError(alice.call('convert_document', { text: 'x' }))).code, -32601);
    assert.equal((await rpcError(alice.createTask('lookup', { q: 'x' }))).code, -32601);
    const plain = await alice.call('lookup', { q: 'weather' });
    assert.deepEqual(plain.content, [{ type: 'text', text: 'answer to weather' }]);
  });

  it('cancel really stops the running work, and a terminal task cannot be cancelled again', async () => {
    const alice = await stack.connect({ sub: 'alice' });
    const task = await alice.createTask('export_data', { rows: 3, gate: 'cancel-me' });
    await stack.gates.started('cancel-me');
    const cancelled = await alice.cancel(task.taskId);
    assert.equal(cancelled.status, 'cancelled');
    await waitUntil(() => stack.gates.aborted.has('cancel-me'));
    assert.equal((await alice.getTask(task.taskId)).status, 'cancelled');
    assert.equal((await rpcError(alice.cancel(task.taskId))).code, -32602);
  });

  it('step-up: a high-risk result needs fresh MFA, answered on HTTP as an RFC 9470 401 challenge', async () => {
    const plain = await stack.connect({ sub: 'alice' });
    const task = await plain.createTask('export_data', { rows: 2 });
    await waitForStatus(plain, task.taskId, 'completed');

    // The raw exchange, to see the status line and header the SDK client hides.
    const res = await fetch(stack.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json', accept: 'application/json, text/event-stream',
        authorization: `Bearer ${await stack.token({ sub: 'alice' })}`, 'mcp-session-id': plain.sessionId() ?? '', 'mcp-protocol-version': '2025-11-25',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tasks/result', params: { taskId: task.taskId } }),
    });
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'),
      'Bearer error="insufficient_user_authentication", error_description="a more recent or stronger authentication is required", acr_values="urn:example:mfa", max_age=300');
    assert.deepEqual(await res.json(), {
      jsonrpc: '2.0', id: 7,
      error: { code: TASKGUARD_RPC_ERRORS.stepUpRequired, message: 'step-up authentication required', data: { error: 'insufficient_user_authentication', acr_values: 'urn:example:mfa', max_age: 300 } },
    });
    // The SDK client sees the same refusal, and the result was not consumed by it.
    await assert.rejects(plain.result(task.taskId), /insufficient_user_authentication/);
    const stale = await stack.connect({ sub: 'alice', acr: 'urn:example:mfa', authTimeS: nowS() - 3600 });
    await assert.rejects(stale.result(task.taskId), /insufficient_user_authentication/);

    const fresh = await stack.connect({ sub: 'alice', acr: 'urn:example:mfa', authTimeS: nowS() - 10 });
    const result = await fresh.result(task.taskId);
    assert.deepEqual(result.structuredContent, { rows: 2 });
    // single-read: the handle is revoked once the result has been returned
    const again = await rpcError(fresh.result(task.taskId));
    assert.equal(again.code, TASKGUARD_RPC_ERRORS.accessDenied);
    assert.deepEqual((again.data as { reasons: string[] }).reasons, ['result_revoked']);
  });

  it('lists only the caller\'s own tasks, paged with cursors', async () => {
    const dave = await stack.connect({ sub: 'dave' });
    const ids: string[] = [];
    for (let i = 0; i < 55; i++) ids.push((await dave.createTask('convert_document', { text: `d${i}` })).taskId);
    const first = await dave.list();
    assert.equal(first.tasks.length, 50);
    assert.ok(first.nextCursor);
    const second = await dave.list(first.nextCursor);
    assert.equal(second.nextCursor, undefined);
    assert.deepEqual([...first.tasks, ...second.tasks].map((t) => t.taskId).sort(), [...ids].sort());
  });

  it('a running task chains tools within its creation scope only', async () => {
    const alice = await stack.connect({ sub: 'alice' });
    const task = await alice.createTask('run_workflow', {
      steps: [{ tool: 'lookup', args: { q: 'q1' } }, { tool: 'export_data', args: { rows: 1 } }],
    });
    await waitForStatus(alice, task.taskId, 'completed');
    const text = (await alice.result(task.taskId)).content[0];
    assert.ok(text?.type === 'text');
    assert.match(text.text, /lookup: answer to q1/);
    assert.match(text.text, /export_data: exported 1 rows/, 'the data allows run_workflow -> export_data');

    const narrow = await stack.connect({ sub: 'alice', scope: 'workflows:run reports:read' });
    const limited = await narrow.createTask('run_workflow', { steps: [{ tool: 'export_data', args: { rows: 1 } }] });
    await waitForStatus(narrow, limited.taskId, 'completed');
    const denied = (await narrow.result(limited.taskId)).content[0];
    assert.ok(denied?.type === 'text');
    assert.match(denied.text, /export_data: denied .*access denied/);
    const chainDecision = stack.audit.find((e) => e.op === 'chain' && e.task_id === limited.taskId);
    assert.deepEqual(chainDecision?.reasons, ['chain_scope_exceeded']);
  });

  it('an expired task stops its work and disappears', async () => {
    const alice = await stack.connect({ sub: 'alice' });
    const task = await alice.createTask('convert_document', { text: 'x', gate: 'expire' }, 300);
    await stack.gates.started('expire');
    await waitUntil(() => stack.gates.aborted.has('expire'));
    const err = await rpcError(alice.getTask(task.taskId));
    assert.equal(err.code, -32602);
    assert.equal(err.message, 'MCP error -32602: task not found');
    assert.ok(stack.audit.some((e) => e.event === 'expired' && e.task_id === task.taskId));
  });

  it('a supervisor gets and cancels a task of its own tenant, delegated and audited, but cannot read results', async () => {
    const alice = await stack.connect({ sub: 'alice' });
    const task = await alice.createTask('export_data', { rows: 1, gate: 'supervised' });
    await stack.gates.started('supervised');
    const carol = await stack.connect({ sub: 'carol', roles: ['task-supervisor'], client: 'ops-console' });
    assert.equal((await carol.getTask(task.taskId)).status, 'working');
    assert.equal((await rpcError(carol.result(task.taskId))).message, 'MCP error -32602: task not found');
    assert.equal((await carol.cancel(task.taskId)).status, 'cancelled');
    const delegated = stack.audit.filter((e) => e.kind === 'decision' && e.task_id === task.taskId && e.delegated);
    assert.deepEqual(delegated.map((e) => e.op), ['get', 'cancel']);
  });

  it('a task asks for input mid-run: input_required, the elicitation on tasks/result after an input decision', async () => {
    const mfa = { sub: 'alice', acr: 'urn:example:mfa', authTimeS: nowS() - 10 };
    const asked: string[] = [];
    const alice = await stack.connect(mfa, {
      onElicit: (request) => {
        asked.push(String(request.params.message));
        assert.equal((request.params._meta?.['io.modelcontextprotocol/related-task'] as { taskId: string } | undefined)?.taskId !== undefined, true);
        return { action: 'accept', content: { approve: true } };
      },
    });
    const task = await alice.createTask('approve_publication', { title: 'q3 report' });
    await waitForStatus(alice, task.taskId, 'input_required');
    assert.equal((await alice.getTask(task.taskId)).statusMessage, 'publish q3 report?');

    // Someone else's tasks/result never sees the question; the owner without fresh MFA is challenged.
    const bob = await stack.connect({ sub: 'bob' }, { onElicit: () => assert.fail('bob must not be asked') });
    assert.equal((await rpcError(bob.result(task.taskId))).message, 'MCP error -32602: task not found');
    const noMfa = await stack.connect({ sub: 'alice' }, { onElicit: () => assert.fail('must step up first') });
    await assert.rejects(noMfa.result(task.taskId), /insufficient_user_authentication/);

    const result = await alice.result(task.taskId);
    assert.deepEqual(result.content, [{ type: 'text', text: 'approved q3 report' }]);
    assert.deepEqual(asked, ['publish q3 report?']);
    const statuses = stack.audit.filter((e) => e.task_id === task.taskId && e.event === 'status').map((e) => e.status);
    assert.deepEqual(statuses, ['input_required', 'working', 'completed']);
  });

  it('records every decision and transition, with principals but never tokens', async () => {
    const token = await stack.token({ sub: 'erin' });
    const erin = await stack.connect({ token });
    const task = await erin.createTask('convert_document', { text: 'audit' });
    await waitForStatus(erin, task.taskId, 'completed');
    await erin.result(task.taskId);
    // The create decision precedes the task; its `created` record points back to it by decision_id.
    const created = stack.audit.find((e) => e.event === 'created' && e.task_id === task.taskId);
    const mine = stack.audit.filter((e) => e.task_id === task.taskId || (e.kind === 'decision' && e.decision_id === created?.decision_id));
    assert.deepEqual(mine.map((e) => e.kind === 'decision' ? `decision:${e.op}:${e.allow}` : `lifecycle:${e.event}:${e.status}`).filter((s) => !s.startsWith('decision:get')), [
      'decision:create:true', 'lifecycle:created:working', 'lifecycle:status:working', 'lifecycle:status:completed', 'decision:result:true', 'lifecycle:result_read:completed',
    ]);
    assert.equal(JSON.stringify(stack.audit).includes(token), false);
    assert.equal(JSON.stringify(stack.audit).includes(token.split('.')[2] ?? 'x'), false);
  });
});

describe('limits from policy data', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ data: { limits: { live_tasks_per_principal: 2, operations_per_minute: 30 } } });
  });
  after(async () => {
    await stack.close();
  });

  it('caps live tasks per principal, then rate-limits operations', async () => {
    const alice = await stack.connect({ sub: 'alice' });
    await alice.createTask('convert_document', { text: 'a', gate: 'l1' });
    await alice.createTask('convert_document', { text: 'b', gate: 'l2' });
    const capped = await rpcError(alice.createTask('convert_document', { text: 'c' }));
    assert.equal(capped.code, TASKGUARD_RPC_ERRORS.taskLimit);
    const bob = await stack.connect({ sub: 'bob' });
    assert.ok(await bob.createTask('convert_document', { text: 'bob is not capped by alice' }));
    let limited: McpError | undefined;
    for (let i = 0; i < 40 && !limited; i++) {
      limited = await alice.list().then(() => undefined, (e: unknown) => e as McpError);
    }
    assert.equal(limited?.code, TASKGUARD_RPC_ERRORS.rateLimited);
    assert.ok((limited?.data as { retry_after_ms: number }).retry_after_ms > 0);
    stack.gates.release('l1');
    stack.gates.release('l2');
  });
});

async function waitUntil(check: () => boolean, limitMs = 5000): Promise<void> {
  const until = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 10));
  }
}
