import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { resultFromTaskOutcome } from '@modelcontextprotocol/ext-tasks/client';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { stringify } from 'yaml';
import { loadHostConfig } from '../../src/config/host-config.js';
import { mintDevToken, type DevTokenRequest } from '../../src/host/dev-identity.js';
import { createHostRuntime, createReferenceHttp, type HostRuntime } from '../../src/host/reference-host.js';
import type { HttpHost } from '../../src/http/host.js';
import { freePort } from '../e2e/support/host-process.js';
import { connect, createTask, getTask } from '../e2e/support/sdk.js';
import { connect2026, taskRequest2026 } from '../e2e/support/sdk-v2.js';
import { tempDir } from '../support/temp-policy.js';
import { exchange2026, resultOf, rpc2026, type RawReply } from '../wire-2026/support.js';

/**
 * One reference host (createHostRuntime + createReferenceHttp, as `taskguard serve` builds it) serving
 * 2025-11-25 and 2026-07-28 on one path: real 1.x and v2 SDK clients, one guard, one store, one audit log.
 */

const ALICE: DevTokenRequest = {
  sub: 'alice', tenant: 'acme', client: 'reports-agent', ttlS: 600,
  scopes: ['reports:read', 'reports:export', 'docs:convert', 'docs:publish', 'workflows:run'], roles: ['analyst'],
};

describe('the reference host serves both generations on one endpoint', () => {
  let runtime: HostRuntime;
  let http: HttpHost;
  let url: string;
  let dir: string;
  const clients: Array<{ close(): Promise<void> }> = [];
  const token = (changes: Partial<DevTokenRequest> = {}): Promise<string> => mintDevToken(runtime.config, { ...ALICE, ...changes });
  const client2025 = async (changes: Partial<DevTokenRequest> = {}): Promise<Client> => connect(url, await token(changes), clients as Client[]);

  before(async () => {
    dir = tempDir('taskguard-dual-stack-');
    const file = path.join(dir, 'taskguard.yaml');
    writeFileSync(file, stringify({ state_dir: 'state', store: { kind: 'memory' }, listen: { port: await freePort() } }));
    runtime = await createHostRuntime(loadHostConfig(file), () => {});
    http = createReferenceHttp(runtime);
    url = await http.listen();
  });
  after(async () => {
    for (const c of clients) await c.close().catch(() => {});
    await http.close();
    await runtime.settle(() => {});
  });

  it('a 1.x client and a v2 ext-tasks client each run a task at the same time on the same url', async () => {
    const legacy = await client2025();
    const { client: modern, session } = await connect2026(url, await token());
    clients.push(modern);
    assert.equal(modern.getProtocolEra(), 'modern');
    try {
      const [legacyOutcome, modernOutcome] = await Promise.all([
        (async () => {
          const task = await createTask(legacy, 'convert_document', { source: 'docs/handbook.md', to: 'text' });
          for (;;) {
            const seen = await getTask(legacy, task.taskId);
            if (seen.status !== 'working') return seen.status;
            await new Promise((r) => setTimeout(r, 20));
          }
        })(),
        (async () => {
          const execution = await session.callTool('convert_document', { source: 'docs/handbook.md', to: 'html' });
          assert.equal(execution.kind, 'task');
          return resultFromTaskOutcome((await execution.settle()).outcome);
        })(),
      ]);
      assert.equal(legacyOutcome, 'completed');
      assert.equal((modernOutcome as { resultType?: string }).resultType, 'complete');
      assert.ok(http.sessions() >= 1, 'the 1.x client holds a session; the v2 client needs none');
    } finally {
      await session.close();
    }
  });

  it('tasks/get on 2026 reaches a task created through 2025 by the same identity, with the result inlined', async () => {
    const legacy = await client2025();
    const task = await createTask(legacy, 'convert_document', { source: 'docs/handbook.md', to: 'text' });
    let reply: RawReply;
    for (;;) {
      reply = await rpc2026(url, await token(), 'tasks/get', { taskId: task.taskId });
      if (resultOf(reply)['status'] !== 'working') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const got = resultOf(reply);
    assert.equal(got['status'], 'completed');
    assert.equal(got['taskId'], task.taskId);
    assert.ok(got['result'], 'the 2026 get inlines the result');
  });

  it('tasks/cancel on 2026 stops a task created through 2025 by the same identity', async () => {
    const legacy = await client2025();
    // Waits for an answer that never comes (the client declared no elicitation): running until cancelled.
    const task = await createTask(legacy, 'approve_publication', { source: 'docs/handbook.md' });
    const ack = await rpc2026(url, await token(), 'tasks/cancel', { taskId: task.taskId });
    assert.equal(ack.status, 200);
    assert.ok(ack.body.result, JSON.stringify(ack.body));
    assert.equal((await getTask(legacy, task.taskId)).status, 'cancelled');
  });

  it('another identity gets "not found" on both generations, byte for byte as for an id that never existed', async () => {
    const legacy = await client2025();
    const task = await createTask(legacy, 'approve_publication', { source: 'docs/handbook.md' });
    const missing = '00000000-0000-4000-8000-000000000000';
    for (const stranger of [{ sub: 'bob' }, { tenant: 'globex' }, { client: 'docs-console' }]) {
      const bearer = await token(stranger);
      for (const method of ['tasks/get', 'tasks/cancel']) {
        const real = await exchange2026(url, bearer, taskRequest2026(method, task.taskId));
        const none = await exchange2026(url, bearer, taskRequest2026(method, missing));
        assert.deepEqual(real, none, `${method} as ${JSON.stringify(stranger)}`);
        assert.equal(real.body.error?.code, -32602);
      }
      const other = await client2025(stranger);
      const refused = await getTask(other, task.taskId).then(() => undefined, (err: Error) => err.message);
      const unknown = await getTask(other, missing).then(() => undefined, (err: Error) => err.message);
      assert.ok(refused, 'the stranger read the task on 2025');
      assert.equal(refused, unknown);
    }
    // And the owner's task is untouched by all of it.
    assert.equal((await getTask(legacy, task.taskId)).status, 'input_required');
  });

  it('the same gates answer on the 2026 leg: Origin, bearer, batches, with the request id echoed', async () => {
    const message = taskRequest2026('tasks/get', '00000000-0000-4000-8000-000000000000');
    const evil = await exchange2026(url, await token(), message, { origin: 'https://evil.example' });
    assert.equal(evil.status, 403);
    const anonymous = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: JSON.stringify(message) });
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Bearer /);
    const batch = await fetch(url, {
      method: 'POST', body: JSON.stringify([message]),
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${await token()}` },
    });
    assert.equal(batch.status, 400);
    assert.equal(((await batch.json()) as { error: { code: number } }).error.code, -32600);
  });

  it('2026 errors keep their spec codes through the host', async () => {
    const bearer = await token();
    const undeclared = await rpc2026(url, bearer, 'tools/call', { name: 'convert_document', arguments: { source: 'docs/handbook.md', to: 'text' } }, { declared: false, id: 'u-1' });
    assert.equal(undeclared.body.error?.code, -32021);
    assert.equal(undeclared.body.id, 'u-1');
    assert.equal((await rpc2026(url, bearer, 'tasks/result', { taskId: 'x' })).body.error?.code, -32601);
    assert.equal((await rpc2026(url, bearer, 'tasks/list')).body.error?.code, -32601);
  });

  it('a step-up on the 2026 leg is the RFC 9470 401 before any payload', async () => {
    // export_data's result needs fresh MFA: created as a task on 2026, read without it.
    const created = resultOf(await rpc2026(url, await token(), 'tools/call', { name: 'export_data', arguments: { dataset: 'orders', rows: 1, format: 'csv' } }, { id: 'create-7' }));
    const taskId = String((created['task'] as { taskId?: string } | undefined)?.taskId ?? created['taskId']);
    let reply: RawReply;
    for (let i = 0; ; i += 1) {
      reply = await rpc2026(url, await token(), 'tasks/get', { taskId }, { id: 'get-7' });
      if (reply.status === 401 || i > 500) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(reply.status, 401);
    assert.match(reply.wwwAuthenticate ?? '', /error="insufficient_user_authentication"/);
    assert.equal(reply.body.id, 'get-7');
    assert.equal(reply.body.result, undefined);
  });

  it('the audit log verifies, one chain holding the tasks of both generations', async () => {
    const verified = await runtime.verifyAudit();
    assert.equal(verified.ok, true, JSON.stringify(verified));
    const records = readFileSync(path.join(dir, 'state', 'audit.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const created = records.filter((r) => r['event'] === 'created');
    // Three tasks through the 1.x client, the cancel target and the stranger's target, and two through 2026.
    assert.ok(created.length >= 6, `created records: ${created.length}`);
    const ops = new Set(records.filter((r) => r['kind'] === 'decision').map((r) => r['op']));
    for (const op of ['create', 'get', 'cancel', 'result']) assert.ok(ops.has(op), `no ${op} decision recorded`);
    // Each policy decision says which generation carried it: both are in this one chain.
    const wires = new Set(records.filter((r) => r['kind'] === 'decision' && !(r['reasons'] as string[]).includes('rate_limited')).map((r) => r['wire']));
    assert.ok(wires.has('2025-11-25') && wires.has('2026-07-28'), `wires recorded: ${[...wires].join(', ')}`);
  });
});
