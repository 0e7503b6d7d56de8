import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LoadClient, PolledTask } from '../../bench/load/clients.js';
import { connectRawClient2025, connectRawClients2025, type RawClient2025 } from '../../bench/load/clients-raw-2025.js';
import { resultMarker } from '../../bench/load/convert.js';
import { startStockServer } from '../../bench/load/guard-off.js';
import { startGuardedServer } from '../../bench/load/guard-on.js';
import type { User } from '../../bench/load/identity.js';
import { RpcReplyError } from '../../bench/load/raw-http.js';
import type { RunningServer } from '../../bench/load/server.js';
import { benchFixture, driveShortLoad } from './support.js';

/**
 * The load bench's raw-HTTP 2025-11-25 client speaks the protocol the SDK client speaks: against the bench's
 * guarded host (createHttpHost + createTaskguard over the committed policy, real ES256 tokens, a file audit
 * log; memory and SQLite stores) and the SDK's stock task server, tasks it creates complete, their results
 * come back, the server's status notifications reach its GET stream, and another tenant's task is refused.
 */
const TIMEOUT = { timeout: 10_000 };
const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

const fixture = benchFixture('raw-client-2025');
const user = (i: number): User => fixture.identity.users[i] as User;
const file = (name: string): string => path.join(fixture.dir, name);

// Each server is started twice (once for the direct calls, once for the loop), so each start gets its own files.
let starts = 0;
const servers: [string, () => Promise<RunningServer>][] = [
  ['the guarded host, memory store', () => startGuardedServer({ publicJwk: fixture.identity.publicJwk, seed: 7, auditFile: file(`audit-${++starts}.jsonl`) })],
  ['the guarded host, SQLite store', () => startGuardedServer({ publicJwk: fixture.identity.publicJwk, seed: 7, auditFile: file(`audit-${++starts}.jsonl`), storeFile: file(`tasks-${starts}.db`) })],
  ['the SDK stock task server', () => startStockServer({ publicJwk: fixture.identity.publicJwk, seed: 7 })],
];

async function untilTerminal(client: LoadClient, first: PolledTask): Promise<PolledTask> {
  let task = first;
  for (let polls = 0; !TERMINAL.has(task.status); polls++) {
    if (polls > 200) throw new Error(`task ${task.taskId} still ${task.status}`);
    await sleep(20);
    task = await client.getTask(task.taskId, TIMEOUT);
  }
  return task;
}

for (const [name, start] of servers) {
  describe(`raw 2025-11-25 client against ${name}`, () => {
    let server: RunningServer;
    const opened: LoadClient[] = [];
    const open = async (i: number, errors: Error[] = []): Promise<RawClient2025> => {
      const client = await connectRawClient2025(server.url, user(i), i, (err) => void errors.push(err));
      opened.push(client);
      return client;
    };
    before(async () => {
      server = await start();
    });
    after(async () => {
      await Promise.all(opened.map((c) => c.close()));
      await server.close();
    });

    it('creates a task, polls it to completed, reads its result and hears its status on the GET stream', async () => {
      const errors: Error[] = [];
      const client = await open(0, errors);
      const created = await client.createTask('doc-raw-1', 512, 60_000, TIMEOUT);
      assert.equal(created.status, 'working');
      const done = await untilTerminal(client, created);
      assert.equal(done.status, 'completed');
      assert.equal(done.taskId, created.taskId);
      const result = await client.result?.(created.taskId, TIMEOUT);
      const first = result?.content[0];
      assert.ok(first?.type === 'text' && first.text.startsWith(resultMarker('doc-raw-1')), JSON.stringify(result));
      // The completion's notifications/tasks/status goes to the session's GET stream, as to an SDK client's.
      for (let waits = 0; client.notifications() === 0 && waits < 500; waits++) await sleep(20);
      assert.ok(client.notifications() > 0, 'no notification reached the GET stream');
      assert.deepEqual(errors, []);
    });

    it('gets the JSON-RPC error a task of another tenant gets (-32602), with its code', async () => {
      const owner = await open(0);
      const stranger = await open(1);
      assert.notEqual(user(0).tenant, user(1).tenant);
      const created = await owner.createTask('doc-raw-2', 512, 60_000, TIMEOUT);
      await assert.rejects(stranger.getTask(created.taskId, TIMEOUT), (err: unknown) => err instanceof RpcReplyError && err.code === -32602);
    });

    it('drives the bench loop: tasks complete, no errors, every probe of another tenant refused', async () => {
      const { recorder } = await driveShortLoad(fixture, start, connectRawClients2025);
      assert.equal(recorder.probesRefused, recorder.probes);
      assert.equal(recorder.crossTenantReads, 0);
    });
  });
}
