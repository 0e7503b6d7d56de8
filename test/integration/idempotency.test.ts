import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { startStack, type Stack } from '../support/stack.js';
import { IDEMPOTENCY_META_KEY } from '../../src/guard/idempotency.js';
import { TASKGUARD_RPC_ERRORS } from '../../src/wire/rpc-errors.js';
import { rpcError } from '../support/rpc-error.js';


const key = (k: unknown): Record<string, unknown> => ({ [IDEMPOTENCY_META_KEY]: k });

describe('idempotent task creation over real HTTP', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ data: { limits: { live_tasks_per_principal: 2 } } });
  });
  after(async () => {
    await stack.close();
  });

  it('answers a retried create with the same task, audited as a replay', async () => {
    const alice = await stack.connect({ sub: 'alice-retry' });
    const first = await alice.createTask('convert_document', { text: 'once', gate: 'idem-1' }, undefined, key('order-1'));
    const again = await alice.createTask('convert_document', { text: 'once', gate: 'idem-1' }, undefined, key('order-1'));
    assert.equal(again.taskId, first.taskId);
    assert.equal((await alice.list()).tasks.length, 1, 'one task, not two');
    const replays = stack.audit.filter((e) => e.event === 'create_replayed' && e.task_id === first.taskId);
    assert.equal(replays.length, 1);
    assert.equal(stack.audit.filter((e) => e.event === 'created' && e.task_id === first.taskId).length, 1);
    // A retry after the task finished still names it, now completed.
    await stack.gates.started('idem-1');
    stack.gates.release('idem-1');
    await alice.result(first.taskId);
    const late = await alice.createTask('convert_document', { text: 'once', gate: 'idem-1' }, undefined, key('order-1'));
    assert.equal(late.taskId, first.taskId);
    assert.equal(late.status, 'completed');
  });

  it('refuses the key with a different request, and a malformed key, changing nothing', async () => {
    const alice = await stack.connect({ sub: 'alice-conflict' });
    const first = await alice.createTask('convert_document', { text: 'a', gate: 'idem-2' }, undefined, key('k'));
    for (const [args, ttl] of [[{ text: 'b', gate: 'idem-2' }, undefined], [{ text: 'a', gate: 'idem-2' }, 60_000]] as const) {
      const err = await rpcError(alice.createTask('convert_document', { ...args }, ttl, key('k')));
      assert.equal(err.code, ErrorCode.InvalidParams);
      assert.match(err.message, /idempotency key was already used for a different request/);
    }
    for (const bad of [42, '', 'x'.repeat(201), 'has space', 'caf\u00e9']) {
      const err = await rpcError(alice.createTask('convert_document', { text: 'a' }, undefined, key(bad)));
      assert.equal(err.code, ErrorCode.InvalidParams);
      assert.match(err.message, /io\.taskguard\/idempotency-key must be 1 to 200 printable ascii characters/);
    }
    assert.deepEqual((await alice.list()).tasks.map((t) => t.taskId), [first.taskId]);
    await stack.gates.started('idem-2');
    stack.gates.release('idem-2');
  });

  it('scopes keys per principal: Bob\'s same key makes Bob\'s own task and shows him nothing of Alice\'s', async () => {
    const alice = await stack.connect({ sub: 'alice-scope' });
    const bob = await stack.connect({ sub: 'bob-scope' });
    const viaOtherApp = await stack.connect({ sub: 'alice-scope', client: 'other-app' });
    const mine = await alice.createTask('convert_document', { text: 'x', gate: 'idem-3' }, undefined, key('shared-key'));
    const his = await bob.createTask('convert_document', { text: 'x', gate: 'idem-3b' }, undefined, key('shared-key'));
    const app = await viaOtherApp.createTask('convert_document', { text: 'x', gate: 'idem-3c' }, undefined, key('shared-key'));
    assert.equal(new Set([mine.taskId, his.taskId, app.taskId]).size, 3);
    // Different arguments under Alice's key are no conflict for Bob: it is not his key.
    const bobAgain = await bob.createTask('convert_document', { text: 'x', gate: 'idem-3b' }, undefined, key('shared-key'));
    assert.equal(bobAgain.taskId, his.taskId);
    assert.deepEqual((await bob.list()).tasks.map((t) => t.taskId), [his.taskId]);
    for (const g of ['idem-3', 'idem-3b', 'idem-3c']) {
      await stack.gates.started(g);
      stack.gates.release(g);
    }
  });

  it('answers a retry even at the live-task cap, while a new create there is refused', async () => {
    const alice = await stack.connect({ sub: 'alice-cap' });
    const one = await alice.createTask('convert_document', { text: '1', gate: 'cap-1' }, undefined, key('cap-1'));
    await alice.createTask('convert_document', { text: '2', gate: 'cap-2' });
    assert.equal((await rpcError(alice.createTask('convert_document', { text: '3' }))).code, TASKGUARD_RPC_ERRORS.taskLimit);
    assert.equal((await alice.createTask('convert_document', { text: '1', gate: 'cap-1' }, undefined, key('cap-1'))).taskId, one.taskId);
    for (const g of ['cap-1', 'cap-2']) {
      await stack.gates.started(g);
      stack.gates.release(g);
    }
  });

  it('stores one task when retries race', async () => {
    const alice = await stack.connect({ sub: 'alice-race' });
    const tasks = await Promise.all(Array.from({ length: 8 }, () => alice.createTask('export_data', { rows: 3 }, undefined, key('race'))));
    assert.equal(new Set(tasks.map((t) => t.taskId)).size, 1);
    assert.equal((await alice.list()).tasks.length, 1);
  });

  it('frees the key once its task expired: the next create makes a new task', async () => {
    const alice = await stack.connect({ sub: 'alice-expiry' });
    const first = await alice.createTask('export_data', { rows: 1 }, 300, key('short'));
    await new Promise((r) => setTimeout(r, 450));
    const next = await alice.createTask('export_data', { rows: 1 }, 300, key('short'));
    assert.notEqual(next.taskId, first.taskId);
  });
});
