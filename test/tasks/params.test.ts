import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { startStack, type GuardedClient, type Stack } from '../support/stack.js';
import { rpcError } from '../support/rpc-error.js';

/** Params of the wrong JSON type are client mistakes: -32602 with one plain line, never -32603 or a schema dump. */
describe('request params of the wrong type', () => {
  let stack: Stack;
  let alice: GuardedClient;
  before(async () => {
    stack = await startStack();
    alice = await stack.connect({ sub: 'alice' });
  });
  after(async () => {
    await stack.close();
  });

  const send = (method: string, params: unknown) => alice.client.request({ method, params } as never, z.unknown());
  const wrongTypes: unknown[] = [null, 5, 1.5, true, 'x', [], {}, [1], { nested: { a: 1 } }];

  async function assertInvalidParams(method: string, params: unknown): Promise<void> {
    const err = await rpcError(send(method, params));
    const shown = JSON.stringify(params);
    assert.equal(err.code, -32602, `${method} ${shown}: ${err.message}`);
    assert.doesNotMatch(err.message, /expected|invalid_type|zod|"code"|\n/i, `${method} ${shown} leaks a schema dump: ${err.message}`);
  }

  it('tasks/get, tasks/result and tasks/cancel with a taskId that is not a string, or none', async () => {
    for (const method of ['tasks/get', 'tasks/result', 'tasks/cancel']) {
      await assertInvalidParams(method, {});
      for (const taskId of wrongTypes.filter((v) => typeof v !== 'string')) await assertInvalidParams(method, { taskId });
    }
  });

  it('tasks/list with a cursor that is not a string', async () => {
    for (const cursor of wrongTypes.filter((v) => typeof v !== 'string')) await assertInvalidParams('tasks/list', { cursor });
  });

  it('tools/call with a task ttl that is not a number, and with a task, name or arguments of the wrong type', async () => {
    // Whole numbers of any value are the policy's to judge (invalid_ttl, caps): the attack catalog covers those.
    for (const ttl of ['60000', '', null, true, false, {}, [], [60000], { ttl: 1 }, 1.5, 0.001]) {
      await assertInvalidParams('tools/call', { name: 'export_data', arguments: { dataset: 'orders', rows: 1, format: 'csv' }, task: { ttl } });
    }
    for (const task of [null, 5, 'x', true, [], [{}]]) await assertInvalidParams('tools/call', { name: 'export_data', arguments: {}, task });
    for (const name of [null, 5, true, {}, [], '']) await assertInvalidParams('tools/call', { name, arguments: {} });
    for (const args of [null, 5, 'x', true, [], [1]]) await assertInvalidParams('tools/call', { name: 'lookup', arguments: args });
    // None of it created anything.
    assert.deepEqual((await alice.list()).tasks, []);
  });

  it('a well-typed request is still served', async () => {
    const task = await alice.createTask('export_data', { dataset: 'orders', rows: 1, format: 'csv' }, 60_000);
    assert.equal((await alice.getTask(task.taskId)).taskId, task.taskId);
  });
});

describe('tools/call of a tool this server does not have', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack.close();
  });

  it('is -32602 (MCP tools), plainly and as a task; a registered tool the policy refuses stays -32003', async () => {
    const alice = await stack.connect({ sub: 'alice', scope: 'reports:read' });
    for (const attempt of [alice.call('no_such_tool', {}), alice.createTask('no_such_tool', {}, 60_000)]) {
      const err = await rpcError(attempt);
      assert.equal(err.code, -32602);
      assert.equal(err.message, 'MCP error -32602: unknown tool: no_such_tool');
    }
    const refused = await rpcError(alice.createTask('convert_document', { text: 'x' }, 60_000));
    assert.equal(refused.code, -32003, 'missing scope docs:convert');
    assert.deepEqual((await alice.list()).tasks, []);
  });
});
