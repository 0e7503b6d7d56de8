// Fault test: `kill -9` of `taskguard serve` mid-task on its default SQLite store, then a restart on the same
// state folder. Nothing completed is lost, nothing interrupted stays `working`, the audit chain verifies.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { ORPHAN_ERROR_CODE, ORPHAN_STATUS_MESSAGE } from '../../src/stores/types.js';
import { pollUntil, runTaskguard, startHost, type HostProcess } from './support/host-process.js';
import { rpcError } from '../support/rpc-error.js';
import { connect, createTask, getTask, type Task } from './support/sdk.js';

const ALL_SCOPES = 'reports:read reports:export docs:convert docs:publish workflows:run';

const result = (client: Client, taskId: string) => client.request({ method: 'tasks/result', params: { taskId } }, CallToolResultSchema);
const waitFor = (client: Client, taskId: string, status: string): Promise<Task> =>
  pollUntil(`task ${taskId} ${status}`, async () => {
    const t = await getTask(client, taskId);
    return t.status === status ? t : undefined;
  }, { intervalMs: 50 });


/** Runs the crash scenario with one audit configuration; returns the restarted host for its checks. */
function crashScenario(label: string, audit: Record<string, unknown>, verifyArgs: (host: HostProcess) => string[], auditLines: (host: HostProcess) => string[]): void {
  describe(`kill -9 mid-task on SQLite, audit ${label}`, () => {
    const hosts: HostProcess[] = [];
    const clients: Client[] = [];
    after(async () => {
      for (const c of clients) await c.close().catch(() => {});
      for (const h of hosts) await h.dispose().catch(() => {});
    });

    it('keeps completed tasks bound to their owner, fails the interrupted ones, and the audit chain verifies', async () => {
      // A short lease, so the orphans of the killed host are recognised within a second of the restart.
      const config = { store: { kind: 'sqlite', lease_ms: 600 }, audit };
      const first = await startHost({ config, keep: true });
      hosts.push(first);
      const aliceToken = await first.token({ sub: 'alice', scope: ALL_SCOPES, role: 'analyst' });
      const alice = await connect(first.url, aliceToken, clients);

      const converted = await createTask(alice, 'convert_document', { source: 'docs/handbook.md', to: 'text' });
      await waitFor(alice, converted.taskId, 'completed');
      // approve_publication waits for its approver, so it is certainly mid-task when the host dies.
      const approval = await createTask(alice, 'approve_publication', { source: 'docs/handbook.md' });
      await waitFor(alice, approval.taskId, 'input_required');
      const working = await createTask(alice, 'run_workflow', { recipe: 'report' }).catch(() => undefined);

      const killed = await first.kill();
      assert.equal(killed.signal, 'SIGKILL');

      const second = await startHost({ config, again: first, keep: true });
      hosts.push(second);
      const alice2 = await connect(second.url, await second.token({ sub: 'alice', scope: ALL_SCOPES, role: 'analyst' }), clients);
      const bob2 = await connect(second.url, await second.token({ sub: 'bob', scope: ALL_SCOPES, role: 'analyst' }), clients);

      // The completed task survived, with its result, still bound to Alice.
      assert.equal((await getTask(alice2, converted.taskId)).status, 'completed');
      const read = await result(alice2, converted.taskId);
      assert.equal(read.isError ?? false, false);
      assert.match(JSON.stringify(read.content), /converted/i);
      const foreign = await rpcError(getTask(bob2, converted.taskId));
      const missing = await rpcError(getTask(bob2, '00000000-0000-4000-8000-000000000000'));
      assert.deepEqual([foreign.code, foreign.message], [missing.code, missing.message], 'Bob still sees nothing');

      // The interrupted task is failed (once its dead host's lease lapsed), with a clear message and error.
      const orphan = await waitFor(alice2, approval.taskId, 'failed');
      assert.equal(orphan.statusMessage, ORPHAN_STATUS_MESSAGE);
      const err = await rpcError(result(alice2, approval.taskId));
      assert.equal(err.code, ORPHAN_ERROR_CODE);
      assert.match(err.message, /the host running this task stopped before it finished/);
      if (working) {
        const status = (await getTask(alice2, working.taskId)).status;
        assert.ok(status === 'completed' || status === 'failed', `the workflow ended (${status}), it does not stay working`);
      }

      const stopped = await second.stop();
      assert.equal(stopped.code, 0, stopped.stderr);
      assert.doesNotMatch(stopped.stderr, /task store: /, 'no lease pass or sweep ran into the closing store');
      const verify = await runTaskguard(['audit', 'verify', ...verifyArgs(second)], { timeoutMs: 30_000 });
      assert.equal(verify.code, 0, `audit verify: ${verify.stdout}${verify.stderr}`);
      assert.match(verify.stdout, /^ok/m);
      // The restarted host audited what it did to the dead host's task.
      const records = auditLines(second).map((l) => JSON.parse(l) as { event?: string; task_id?: string; status?: string });
      assert.ok(records.some((r) => r.event === 'orphaned' && r.task_id === approval.taskId && r.status === 'failed'), 'orphaned event audited');
      assert.ok(records.some((r) => r.event === 'created' && r.task_id === converted.taskId), 'records from before the crash survived');
    });
  });
}


crashScenario('in the JSONL file', { kind: 'file' }, (host) => [host.auditFile],
  (host) => readFileSync(host.auditFile, 'utf8').split('\n').filter(Boolean));

crashScenario('in the SQLite database', { kind: 'database', chain: 'crash-test' },
  (host) => ['--sqlite', `${host.stateDir}/tasks.db`, '--chain', 'crash-test'],
  (host) => {
    const db = new Database(`${host.stateDir}/tasks.db`, { readonly: true });
    try {
      return (db.prepare("SELECT line FROM audit_records WHERE chain = 'crash-test' ORDER BY pos").all() as { line: string }[]).map((r) => r.line);
    } finally {
      db.close();
    }
  });
