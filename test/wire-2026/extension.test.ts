import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { gateName, gateReached, lifecycleCount, waitUntil } from '../attacks/helpers.js';
import { resultOf, startStack2026, TASKS, waitFor2026, type RawReply, type Stack2026 } from './support.js';

/**
 * The tasks extension on the wire (mcp-tasks-extension-2026-07-28.md), one MUST (or SHOULD taskguard keeps)
 * per case, over real HTTP against a v2 server built by createMcpHandler, with real tokens.
 */

const alice = { sub: 'alice' };
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const NOT_DECLARED = {
  code: -32021, message: 'missing required client capability', data: { requiredCapabilities: { extensions: { [TASKS]: {} } } },
};
const notFound = (id: number | string = 1) => ({ jsonrpc: '2.0', id, error: { code: -32602, message: 'task not found' } });

/** The result without the SDK's serverInfo stamp, which every 2026 result carries. */
function bare(reply: RawReply): Record<string, unknown> {
  const { _meta, ...rest } = resultOf(reply);
  assert.deepEqual(Object.keys(_meta as object), ['io.modelcontextprotocol/serverInfo']);
  return rest;
}

describe('the 2026-07-28 tasks extension, on the wire', () => {
  let stack: Stack2026;
  beforeEach(async () => {
    stack = await startStack2026();
  });
  afterEach(async () => {
    await stack.close();
  });

  it('server/discover declares io.modelcontextprotocol/tasks; tools/list lists the guard\'s tools, with no 2025 task support', async () => {
    const client = await stack.client(alice);
    assert.deepEqual(client.getServerCapabilities()?.extensions, { [TASKS]: {} });
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name), ['export_data', 'convert_document', 'lookup', 'run_workflow', 'approve_publication']);
    assert.equal(tools.some((t) => 'execution' in t), false);
    assert.deepEqual(tools.find((t) => t.name === 'lookup')?.inputSchema.required, ['q']);
  });

  it('a task-required tool for a declaring request answers a flat CreateTaskResult (resultType "task"), readable at once', async () => {
    const gate = gateName('create');
    const reply = await stack.rpc(alice, 'tools/call', { name: 'convert_document', arguments: { text: 'x', gate } });
    assert.equal(reply.status, 200);
    const created = bare(reply);
    assert.deepEqual(Object.keys(created).sort(), ['createdAt', 'lastUpdatedAt', 'pollIntervalMs', 'resultType', 'status', 'taskId', 'ttlMs']);
    assert.equal(created['resultType'], 'task');
    // Unguessable: a random (v4) UUID.
    assert.match(String(created['taskId']), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(created['status'], 'working');
    assert.match(String(created['createdAt']), ISO_8601);
    assert.match(String(created['lastUpdatedAt']), ISO_8601);
    // The policy's: convert_document has no default TTL (the global 600000) and polls every 500 ms.
    assert.equal(created['ttlMs'], 600_000);
    assert.equal(created['pollIntervalMs'], 500);
    // Durably created before the answer: the very next get resolves.
    const got = bare(await stack.rpc(alice, 'tasks/get', { taskId: created['taskId'] }));
    assert.equal(got['resultType'], 'complete');
    assert.equal(got['taskId'], created['taskId']);
    assert.equal(got['status'], 'working');
    assert.equal('result' in got || 'error' in got || 'inputRequests' in got, false);
    stack.gates.release(gate);
  });

  it('an optional tool (export_data) is a task for a declaring request and a plain result otherwise: never a task to a client that did not declare', async () => {
    const declared = bare(await stack.rpc(alice, 'tools/call', { name: 'export_data', arguments: { rows: 2 } }));
    assert.equal(declared['resultType'], 'task');
    assert.equal(declared['ttlMs'], 900_000, 'export_data default_ttl_ms');

    const plain = bare(await stack.rpc(alice, 'tools/call', { name: 'export_data', arguments: { rows: 3 } }, { declared: false }));
    assert.deepEqual(plain, { resultType: 'complete', content: [{ type: 'text', text: 'exported 3 rows for alice' }], structuredContent: { rows: 3 } });
    const ops = stack.audit.filter((e) => e.kind === 'decision' && e.tool === 'export_data').map((e) => e.op);
    assert.deepEqual(ops, ['create', 'call']);
  });

  it('a task-required tool for a request that did not declare the extension is -32021 naming it, and nothing runs or is created', async () => {
    const gate = gateName('undeclared');
    const before = lifecycleCount(stack);
    const reply = await stack.rpc(alice, 'tools/call', { name: 'convert_document', arguments: { text: 'x', gate } }, { declared: false });
    assert.equal(reply.status, 400, 'the SDK sends -32021 with 400');
    assert.deepEqual(reply.body, { jsonrpc: '2.0', id: 1, error: NOT_DECLARED });
    assert.equal(await gateReached(stack.gates, gate), false, 'the tool ran');
    assert.equal(lifecycleCount(stack), before, 'a task was created');
    // Decided as create with tasks_declared false: the audit names the refused operation.
    const decision = stack.audit.filter((e) => e.kind === 'decision').at(-1);
    assert.deepEqual([decision?.op, decision?.tool], ['create', 'convert_document']);
  });

  it('a task-forbidden tool (lookup) is a plain result, declared or not', async () => {
    for (const declared of [true, false]) {
      assert.deepEqual(bare(await stack.rpc(alice, 'tools/call', { name: 'lookup', arguments: { q: 'q' } }, { declared })), {
        resultType: 'complete', content: [{ type: 'text', text: 'answer to q' }],
      });
    }
  });

  it('tasks/get, tasks/update and tasks/cancel from a request that did not declare the extension are -32021, audited, and change nothing', async () => {
    const gate = gateName('undeclared-ops');
    const { taskId } = bare(await stack.rpc(alice, 'tools/call', { name: 'convert_document', arguments: { text: 'x', gate } })) as { taskId: string };
    await stack.gates.started(gate);
    const before = lifecycleCount(stack);
    for (const [method, params] of [['tasks/get', { taskId }], ['tasks/update', { taskId, inputResponses: {} }], ['tasks/cancel', { taskId }]] as const) {
      const reply = await stack.rpc(alice, method, params, { declared: false });
      assert.deepEqual(reply.body, { jsonrpc: '2.0', id: 1, error: NOT_DECLARED }, method);
      // Also for an id that names nothing: the capability is checked before anything is read.
      assert.deepEqual((await stack.rpc(alice, method, { ...params, taskId: randomUUID() }, { declared: false })).body.error, NOT_DECLARED, method);
    }
    const refusals = stack.audit.filter((e) => e.kind === 'decision' && e.reasons?.includes('tasks_not_declared'));
    assert.deepEqual(refusals.map((e) => [e.op, e.allow, e.principal?.sub]), [
      ['get', false, 'alice'], ['get', false, 'alice'], ['input', false, 'alice'], ['input', false, 'alice'], ['cancel', false, 'alice'], ['cancel', false, 'alice'],
    ]);
    assert.equal(lifecycleCount(stack), before);
    assert.equal(stack.gates.aborted.has(gate), false, 'the undeclared cancel stopped the work');
    assert.equal(bare(await stack.rpc(alice, 'tasks/get', { taskId }))['status'], 'working');
    stack.gates.release(gate);
  });

  it('tasks/result and tasks/list do not exist on this revision: -32601', async () => {
    const { taskId } = bare(await stack.rpc(alice, 'tools/call', { name: 'convert_document', arguments: { text: 'x' } })) as { taskId: string };
    for (const [method, params] of [['tasks/result', { taskId }], ['tasks/list', {}]] as const) {
      assert.deepEqual((await stack.rpc(alice, method, params)).body, { jsonrpc: '2.0', id: 1, error: { code: -32601, message: 'Method not found' } }, method);
    }
  });

  it('tasks/get inlines the outcome: a result as completed, a tool\'s isError result as completed too, a JSON-RPC error as failed with no result', async () => {
    const create = async (args: Record<string, unknown>): Promise<string> =>
      bare(await stack.rpc(alice, 'tools/call', { name: 'convert_document', arguments: { text: 'draft', ...args } }))['taskId'] as string;
    const ok = await create({});
    const toolError = await create({ fail: 'result' });
    const thrown = await create({ fail: 'throw' });

    const done = bare(await waitFor2026(stack, alice, ok, 'completed'));
    assert.deepEqual(done['result'], { resultType: 'complete', content: [{ type: 'text', text: 'DRAFT' }] });
    assert.equal('error' in done, false);

    const reported = bare(await waitFor2026(stack, alice, toolError, 'completed'));
    assert.deepEqual(reported['result'], { resultType: 'complete', content: [{ type: 'text', text: 'could not convert: bad input' }], isError: true });
    // 2025-11-25 records it as failed, pointing at tasks/result; that line has no meaning here.
    assert.equal(reported['statusMessage'], undefined);

    const failed = bare(await waitFor2026(stack, alice, thrown, 'failed'));
    assert.deepEqual(failed['error'], { code: -32603, message: 'tool execution failed' });
    assert.equal(failed['statusMessage'], 'tool execution failed');
    assert.equal('result' in failed, false);
    assert.equal(JSON.stringify(failed).includes('/srv/secret'), false, 'the tool\'s internals reached the client');
  });

  it('tasks/cancel answers the empty ack and stops the work; the task then reads cancelled, with neither result nor error', async () => {
    const gate = gateName('cancel');
    const { taskId } = bare(await stack.rpc(alice, 'tools/call', { name: 'convert_document', arguments: { text: 'x', gate } })) as { taskId: string };
    await stack.gates.started(gate);
    assert.deepEqual(bare(await stack.rpc(alice, 'tasks/cancel', { taskId })), { resultType: 'complete' });
    await waitUntil(() => stack.gates.aborted.has(gate));
    const cancelled = bare(await stack.rpc(alice, 'tasks/get', { taskId }));
    assert.equal(cancelled['status'], 'cancelled');
    assert.equal('result' in cancelled || 'error' in cancelled, false);
  });

  it('tasks/cancel of a finished task is acknowledged (the ack is eventually consistent) and the task stays as it finished', async () => {
    const { taskId } = bare(await stack.rpc(alice, 'tools/call', { name: 'convert_document', arguments: { text: 'kept' } })) as { taskId: string };
    await waitFor2026(stack, alice, taskId, 'completed');
    const before = lifecycleCount(stack);
    for (let i = 0; i < 2; i++) assert.deepEqual(bare(await stack.rpc(alice, 'tasks/cancel', { taskId })), { resultType: 'complete' });
    assert.equal(lifecycleCount(stack), before, 'a finished task was changed');
    assert.deepEqual(bare(await stack.rpc(alice, 'tasks/get', { taskId }))['result'], { resultType: 'complete', content: [{ type: 'text', text: 'KEPT' }] });
  });

  it('a task id that names nothing is -32602 "task not found" on get, update and cancel; one that cannot name a task is "invalid task id"', async () => {
    for (const [method, extra] of [['tasks/get', {}], ['tasks/update', { inputResponses: {} }], ['tasks/cancel', {}]] as const) {
      assert.deepEqual((await stack.rpc(alice, method, { taskId: randomUUID(), ...extra }, { id: 7 })).body, notFound(7), method);
      for (const forged of ['nope', 42, null, `${randomUUID()}\n`]) {
        assert.deepEqual((await stack.rpc(alice, method, { taskId: forged, ...extra })).body, {
          jsonrpc: '2.0', id: 1, error: { code: -32602, message: 'invalid task id' },
        }, `${method} ${JSON.stringify(forged)}`);
      }
    }
  });

  it('the idempotency key in _meta works here too: a retry gets the same task, the key with other arguments is refused', async () => {
    const meta = { 'io.taskguard/idempotency-key': `order-${randomUUID()}` };
    const first = bare(await stack.rpc(alice, 'tools/call', { name: 'convert_document', arguments: { text: 'once' } }, { meta }));
    const retry = bare(await stack.rpc(alice, 'tools/call', { name: 'convert_document', arguments: { text: 'once' } }, { meta }));
    assert.equal(retry['taskId'], first['taskId']);
    assert.deepEqual((await stack.rpc(alice, 'tools/call', { name: 'convert_document', arguments: { text: 'other' } }, { meta })).body.error, {
      code: -32602, message: 'idempotency key was already used for a different request',
    });
    // Another principal's identical key is another key.
    const bob = bare(await stack.rpc({ sub: 'bob' }, 'tools/call', { name: 'convert_document', arguments: { text: 'once' } }, { meta }));
    assert.notEqual(bob['taskId'], first['taskId']);
    const events = stack.audit.filter((e) => e.kind === 'lifecycle' && e.task_id === first['taskId']).map((e) => e.event);
    assert.deepEqual([events.filter((e) => e === 'created').length, events.filter((e) => e === 'create_replayed').length], [1, 1]);
  });

  it('params of the wrong JSON type are -32602 with one plain line', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ arguments: {} }, 'name must be a non-empty string'],
      [{ name: 'lookup', arguments: [1] }, 'arguments must be an object'],
      [{ name: 'lookup', arguments: { q: 7 } }, 'invalid arguments for tool lookup: q: Invalid input: expected string, received number'],
      [{ name: 'no_such_tool', arguments: {} }, 'unknown tool: no_such_tool'],
    ];
    for (const [params, message] of cases) {
      assert.deepEqual((await stack.rpc(alice, 'tools/call', params)).body.error, { code: -32602, message }, JSON.stringify(params));
    }
  });
});

describe('ttlMs and pollIntervalMs come from the policy', () => {
  it('as policy data sets them, on creation and on every get', async () => {
    const stack = await startStack2026({ data: { defaults: { poll_interval_ms: 250 }, tools: { convert_document: { default_ttl_ms: 120_000, poll_interval_ms: 75 } } } });
    try {
      const created = resultOf(await stack.rpc(alice, 'tools/call', { name: 'convert_document', arguments: { text: 'x' } }));
      assert.deepEqual([created['ttlMs'], created['pollIntervalMs']], [120_000, 75]);
      const exported = resultOf(await stack.rpc(alice, 'tools/call', { name: 'export_data', arguments: { rows: 1 } }));
      assert.deepEqual([exported['ttlMs'], exported['pollIntervalMs']], [900_000, 250]);
      const got = resultOf(await stack.rpc(alice, 'tasks/get', { taskId: created['taskId'] }));
      assert.deepEqual([got['ttlMs'], got['pollIntervalMs']], [120_000, 75]);
    } finally {
      await stack.close();
    }
  });
});
