// Two `taskguard serve` processes on different ports sharing one PostgreSQL database, as behind a load
// balancer: one public URL (the token audience), one dev key, one cursor key, one task table, an audit chain
// each. A task created through host 1 is polled, read and cancelled by its owner through host 2, and denied to
// everyone else on both.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CallToolResultSchema, CancelTaskResultSchema, ListTasksResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { describePostgres, TEST_URL, dropSchema, tempSchema } from '../stores/postgres-support.js';
import { rpcError } from '../support/rpc-error.js';
import { freePort, pollUntil, runTaskguard, startHost, type HostProcess } from './support/host-process.js';
import { connect, createTask, getTask } from './support/sdk.js';

const ALL_SCOPES = 'reports:read reports:export docs:convert docs:publish workflows:run';
const PUBLIC_URL = 'http://mcp.taskguard.test/mcp';

describePostgres('two taskguard serve processes on one PostgreSQL', () => {
  const schema = tempSchema();
  const stateDir = mkdtempSync(path.join(tmpdir(), 'taskguard-2hosts-'));
  const hosts: HostProcess[] = [];
  const clients: Client[] = [];
  let one: HostProcess;
  let two: HostProcess;
  before(async () => {
    // Secrets travel in the environment, never in the config files.
    process.env['TASKGUARD_E2E_DATABASE_URL'] = TEST_URL;
    process.env['TASKGUARD_E2E_CURSOR_SECRET'] = randomBytes(32).toString('hex');
    const config = async (): Promise<Record<string, unknown>> => {
      const port = await freePort();
      return {
        listen: { port, public_url: PUBLIC_URL, allowed_hosts: [`127.0.0.1:${port}`] },
        state_dir: stateDir, // one dev key for both (and one demo workspace)
        store: { kind: 'postgres', url_env: 'TASKGUARD_E2E_DATABASE_URL', schema, lease_ms: 900, cursor_secret_env: 'TASKGUARD_E2E_CURSOR_SECRET' },
        audit: { kind: 'database' },
      };
    };
    one = await startHost({ config: await config() });
    hosts.push(one);
    two = await startHost({ config: await config() });
    hosts.push(two);
  });
  after(async () => {
    for (const c of clients) await c.close().catch(() => {});
    for (const h of hosts) await h.dispose().catch(() => {});
    await dropSchema(schema).catch(() => {});
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('serves the owner through either host and no one else through any', async () => {
    const token = (host: HostProcess, sub: string, extra: { tenant?: string; client?: string } = {}) =>
      host.token({ sub, scope: ALL_SCOPES, role: 'analyst', ...extra });
    const alice1 = await connect(one.url, await token(one, 'alice'), clients);
    const alice2 = await connect(two.url, await token(two, 'alice'), clients);

    const done = await createTask(alice1, 'convert_document', { source: 'docs/handbook.md', to: 'text' });
    const finished = await pollUntil('completed through host 2', async () => {
      const t = await getTask(alice2, done.taskId);
      return t.status === 'completed' ? t : undefined;
    });
    assert.equal(finished.taskId, done.taskId);
    const read = await alice2.request({ method: 'tasks/result', params: { taskId: done.taskId } }, CallToolResultSchema);
    assert.match(JSON.stringify(read.content), /converted/i);

    // approve_publication waits for its approver on host 1; the owner cancels it through host 2.
    const waiting = await createTask(alice1, 'approve_publication', { source: 'docs/handbook.md' });
    await pollUntil('input_required', async () => ((await getTask(alice2, waiting.taskId)).status === 'input_required' ? true : undefined));

    const strangers: Client[] = [];
    for (const host of [one, two]) {
      strangers.push(await connect(host.url, await token(host, 'bob'), clients));
      strangers.push(await connect(host.url, await token(host, 'alice', { tenant: 'globex' }), clients));
      strangers.push(await connect(host.url, await token(host, 'alice', { client: 'docs-console' }), clients));
    }
    const missing = await rpcError(getTask(strangers[0] as Client, '00000000-0000-4000-8000-000000000000'));
    for (const s of strangers) {
      for (const id of [done.taskId, waiting.taskId]) {
        const err = await rpcError(getTask(s, id));
        assert.deepEqual([err.code, err.message], [missing.code, missing.message], 'a foreign task reads exactly like a missing one');
        const cancel = await rpcError(s.request({ method: 'tasks/cancel', params: { taskId: id } }, CancelTaskResultSchema));
        assert.deepEqual([cancel.code, cancel.message], [missing.code, missing.message]);
      }
      const listed = await s.request({ method: 'tasks/list', params: {} }, ListTasksResultSchema);
      assert.ok(!listed.tasks.some((t) => t.taskId === done.taskId || t.taskId === waiting.taskId));
    }

    const list1 = await alice1.request({ method: 'tasks/list', params: {} }, ListTasksResultSchema);
    const list2 = await alice2.request({ method: 'tasks/list', params: {} }, ListTasksResultSchema);
    assert.deepEqual(list2.tasks.map((t) => [t.taskId, t.status]), list1.tasks.map((t) => [t.taskId, t.status]), 'tasks/list agrees on both');

    const cancelled = await alice2.request({ method: 'tasks/cancel', params: { taskId: waiting.taskId } }, CancelTaskResultSchema);
    assert.equal(cancelled.status, 'cancelled');
    assert.equal((await getTask(alice1, waiting.taskId)).status, 'cancelled');

    // Host 1 stops the tool at its next lease pass: its stderr says nothing is left running at shutdown,
    // and its audit chain verifies alongside host 2's in the same database.
    await new Promise((r) => setTimeout(r, 900));
    for (const host of [one, two]) {
      const stopped = await host.stop();
      assert.equal(stopped.code, 0, stopped.stderr);
      assert.doesNotMatch(stopped.stderr, /still running after/, 'no task was left running on either host');
      assert.doesNotMatch(stopped.stderr, /task store: /, 'no lease pass or sweep ran into the closing store');
    }
    const verify = await runTaskguard(['audit', 'verify', '--postgres', '--schema', schema], { env: { ...process.env, TASKGUARD_DATABASE_URL: TEST_URL } });
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    assert.equal(verify.stdout.trim().split('\n').filter((l) => l.startsWith('ok chain')).length, 2, verify.stdout);
  });
});
