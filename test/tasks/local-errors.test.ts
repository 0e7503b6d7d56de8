import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SqliteTaskStore } from '../../src/stores/sqlite.js';
import { startStack, type Stack } from '../support/stack.js';
import { rpcError } from '../support/rpc-error.js';

const CORRELATED = /^MCP error -32603: internal error \(correlation id ([0-9a-f-]{36})\)$/;

/**
 * A local failure (here a real SQLite store whose database has gone away) is a generic -32603 carrying a
 * correlation id; the cause goes to the operator's log and the audit record under that id, never to the client.
 */
describe('a local failure while serving a request', () => {
  let stack: Stack;
  let dir: string;
  let store: SqliteTaskStore;
  const reported: Array<{ message: string; correlationId: string }> = [];
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'taskguard-local-errors-'));
    store = await SqliteTaskStore.open(path.join(dir, 'tasks.db'));
    stack = await startStack({ store, guard: { onLocalError: (err, correlationId) => void reported.push({ message: err.message, correlationId }) } });
  });
  after(async () => {
    await stack.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers -32603 with a correlation id only, and the operator and the audit log get the cause under it', async () => {
    const alice = await stack.connect({ sub: 'alice' });
    const task = await alice.createTask('convert_document', { text: 'x', gate: 'held' }, 60_000);
    await store.close();
    for (const attempt of [alice.getTask(task.taskId), alice.list(), alice.createTask('convert_document', { text: 'y' }, 60_000)]) {
      const err = await rpcError(attempt);
      assert.equal(err.code, -32603);
      const id = CORRELATED.exec(err.message)?.[1];
      assert.ok(id, `a generic message with a correlation id: ${err.message}`);
      assert.deepEqual(err.data, { correlation_id: id });
      assert.doesNotMatch(JSON.stringify({ message: err.message, data: err.data }), /sqlite|database|tasks\.db|taskguard-local-errors|not open/i);
      const record = stack.audit.find((e) => e.decision_id === id);
      assert.ok(record, 'the audit log has the failure under the same id');
      assert.equal(record.allow, false);
      assert.deepEqual(record.reasons, ['internal_error']);
      assert.match(record.error ?? '', /\S/, 'the audit record says what failed');
      assert.ok(reported.some((r) => r.correlationId === id && r.message !== ''), 'the operator was told, under the same id');
    }
    stack.gates.release('held');
  });
});
