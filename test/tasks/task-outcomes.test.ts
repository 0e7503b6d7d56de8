import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, waitForStatus, type Stack } from '../support/stack.js';
import { rpcError } from '../support/rpc-error.js';

/** A failed task says why in statusMessage (MCP tasks: SHOULD), without internals. */
describe('a failed task says why', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack.close();
  });

  it('a tool that returns isError: failed, a statusMessage pointing at the result, the output in tasks/result', async () => {
    const alice = await stack.connect({ sub: 'alice' });
    const task = await alice.createTask('convert_document', { text: 'x', fail: 'result' }, 60_000);
    await waitForStatus(alice, task.taskId, 'failed');
    assert.equal((await alice.getTask(task.taskId)).statusMessage, 'the tool reported an error; tasks/result has its output');
    const result = await alice.result(task.taskId);
    assert.equal(result.isError, true);
    assert.deepEqual(result.content, [{ type: 'text', text: 'could not convert: bad input' }]);
  });

  it('a tool that throws: failed with a generic statusMessage and error, no internals', async () => {
    const alice = await stack.connect({ sub: 'alice' });
    const task = await alice.createTask('convert_document', { text: 'x', fail: 'throw' }, 60_000);
    await waitForStatus(alice, task.taskId, 'failed');
    const seen = await alice.getTask(task.taskId);
    assert.equal(seen.statusMessage, 'tool execution failed');
    const err = await rpcError(alice.result(task.taskId));
    assert.equal(err.code, -32603);
    assert.equal(err.message, 'MCP error -32603: tool execution failed');
    assert.doesNotMatch(JSON.stringify(seen) + err.message, /ENOENT|\/srv/);
  });
});

describe('a task stopped by the shutdown grace', () => {
  it('is failed with a statusMessage saying so (not its old question) and the same error from tasks/result', async () => {
    const stack = await startStack();
    try {
      const alice = await stack.connect({ sub: 'alice' });
      const task = await alice.createTask('approve_publication', { title: 'q2 report' }, 60_000);
      await waitForStatus(alice, task.taskId, 'input_required');
      assert.equal((await alice.getTask(task.taskId)).statusMessage, 'publish q2 report?');
      stack.guard.close();
      await stack.guard.drained(2000);
      const stopped = await alice.getTask(task.taskId);
      assert.equal(stopped.status, 'failed');
      assert.equal(stopped.statusMessage, 'the server shut down before the task finished');
      const err = await rpcError(alice.result(task.taskId));
      assert.equal(err.code, -32603);
      assert.equal(err.message, 'MCP error -32603: the server shut down before the task finished');
    } finally {
      await stack.close();
    }
  });
});

describe('what tasks/get, tasks/list and tasks/result report of a task', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack.close();
  });

  it('tasks/list reports the poll interval create and get report (convert_document: 500 ms from its data)', async () => {
    const alice = await stack.connect({ sub: 'alice' });
    const created = await alice.createTask('convert_document', { text: 'x', gate: 'poll-1' }, 60_000);
    const got = await alice.getTask(created.taskId);
    const listed = (await alice.list()).tasks.find((t) => t.taskId === created.taskId);
    assert.equal(created.pollInterval, 500);
    assert.equal(got.pollInterval, 500);
    assert.equal(listed?.pollInterval, 500);
    stack.gates.release('poll-1');
  });

  it('reading a result does not move lastUpdatedAt (nothing about the task changed)', async () => {
    const alice = await stack.connect({ sub: 'alice' });
    const task = await alice.createTask('convert_document', { text: 'x' }, 60_000);
    await waitForStatus(alice, task.taskId, 'completed');
    const before = await alice.getTask(task.taskId);
    await new Promise((r) => setTimeout(r, 5));
    await alice.result(task.taskId);
    await alice.result(task.taskId);
    const after = await alice.getTask(task.taskId);
    assert.equal(after.lastUpdatedAt, before.lastUpdatedAt);
    assert.deepEqual(after, before);
  });
});
