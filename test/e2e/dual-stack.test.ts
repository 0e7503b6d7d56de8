import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resultFromTaskOutcome } from '@modelcontextprotocol/ext-tasks/client';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { exchange2026 } from '../wire-2026/support.js';
import { runTaskguard, startHost, type HostProcess, type TokenRequest } from './support/host-process.js';
import { connect, createTask, getTask } from './support/sdk.js';
import { connect2026, taskRequest2026 } from './support/sdk-v2.js';

/**
 * `taskguard serve` as a process, both generations on its one endpoint: a 1.x SDK client and a v2 client
 * with ext-tasks at once, 2026 get and cancel of 2025 tasks for their owner only, and after shutdown one
 * audit chain that `taskguard audit verify` accepts.
 */

const ALICE: TokenRequest = { sub: 'alice', tenant: 'acme', client: 'reports-agent', scope: 'reports:read docs:convert docs:publish', role: 'analyst' };

describe('taskguard serve: 2025-11-25 and 2026-07-28 on one endpoint', () => {
  let host: HostProcess;
  const clients: Array<{ close(): Promise<void> }> = [];
  before(async () => {
    host = await startHost();
  });
  after(async () => {
    for (const c of clients) await c.close().catch(() => {});
    await host.dispose();
  });

  it('says so on startup', () => {
    assert.match(host.stderr(), /MCP 2025-11-25 and 2026-07-28 on one endpoint/);
  });

  it('runs a task from each generation at once, and each reaches the other\'s for its owner only', async () => {
    const token = await host.token(ALICE);
    const legacy = await connect(host.url, token, clients as Client[]);
    const { client, session } = await connect2026(host.url, token);
    clients.push(client, session);
    const [waiting, modern] = await Promise.all([
      createTask(legacy, 'approve_publication', { source: 'docs/handbook.md' }),
      session.callTool('convert_document', { source: 'docs/handbook.md', to: 'html' }).then(async (execution) => resultFromTaskOutcome((await execution.settle()).outcome)),
    ]);
    assert.equal((modern as { resultType?: string }).resultType, 'complete');

    const stranger = await host.token({ ...ALICE, sub: 'bob' });
    const missing = '00000000-0000-4000-8000-000000000000';
    for (const method of ['tasks/get', 'tasks/cancel']) {
      assert.deepEqual(await exchange2026(host.url, stranger, taskRequest2026(method, waiting.taskId)), await exchange2026(host.url, stranger, taskRequest2026(method, missing)));
    }
    // Its question is shown on 2026 as an input decision, which asks for fresh MFA: the owner's plain
    // token gets the step-up 401 (the task was found), the owner with MFA gets the question.
    assert.equal((await exchange2026(host.url, token, taskRequest2026('tasks/get', waiting.taskId))).status, 401);
    const mfa = await host.token({ ...ALICE, acr: 'urn:example:mfa', authAgeS: 10 });
    const seen = await exchange2026(host.url, mfa, taskRequest2026('tasks/get', waiting.taskId));
    assert.equal(seen.body.result?.['status'], 'input_required', JSON.stringify(seen.body));
    assert.ok(seen.body.result?.['inputRequests'], 'the 2025 task\'s question, as 2026 inputRequests');
    const ack = await exchange2026(host.url, token, taskRequest2026('tasks/cancel', waiting.taskId));
    assert.ok(ack.body.result, JSON.stringify(ack.body));
    assert.equal((await getTask(legacy, waiting.taskId)).status, 'cancelled');
  });

  it('shuts down with one audit chain that verifies', async () => {
    for (const c of clients.splice(0)) await c.close().catch(() => {});
    const stopped = await host.stop();
    assert.equal(stopped.code, 0, stopped.stderr);
    const verified = await runTaskguard(['audit', 'verify', host.auditFile]);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
  });
});
