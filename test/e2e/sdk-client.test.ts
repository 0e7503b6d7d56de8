// The reference host as its own process (`taskguard serve`), driven by the TypeScript SDK client over real
// Streamable HTTP on 127.0.0.1 with tokens minted by `taskguard token`.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CallToolResultSchema, ListTasksResultSchema, CancelTaskResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { liveChildren, pollUntil, runTaskguard, startHost, type HostProcess } from './support/host-process.js';
import { INITIALIZE, MCP_POST_HEADERS, rawRequest } from './support/http.js';
import { rpcError } from '../support/rpc-error.js';
import { connect, createTask, getTask, type Task } from './support/sdk.js';

const ALL_SCOPES = 'reports:read reports:export docs:convert docs:publish workflows:run';
const TERMINAL = new Set(['completed', 'failed', 'cancelled']);




/** Polls tasks/get every 100 ms (bounded) until `until` holds; the statuses seen, in order. */
async function pollTask(client: Client, taskId: string, until: (t: Task) => boolean, limitMs = 20_000): Promise<{ task: Task; seen: string[] }> {
  const seen: string[] = [];
  const task = await pollUntil(`task ${taskId}`, async () => {
    const t = await getTask(client, taskId);
    if (seen.at(-1) !== t.status) seen.push(t.status);
    return until(t) ? t : undefined;
  }, { limitMs, intervalMs: 100 });
  return { task, seen };
}


/** Stops the host with SIGTERM and asserts the graceful exit: code 0, no signal, exactly one stdout line. */
async function stopGracefully(host: HostProcess): Promise<string> {
  const r = await host.stop();
  assert.deepEqual({ code: r.code, signal: r.signal }, { code: 0, signal: null }, `serve did not exit 0 on SIGTERM:\n${r.stderr}`);
  assert.equal(r.stdout, `listening on ${host.url}\n`, 'stdout is exactly the one listening line');
  assert.match(r.stderr, /SIGTERM: shutting down/);
  assert.match(r.stderr, /stopped; audit log flushed/);
  return r.stderr;
}

describe('taskguard serve as a process, with the TypeScript SDK client', () => {
  let host: HostProcess;
  let aliceToken: string;
  let bobToken: string;
  let mfaToken: string;
  const clients: Client[] = [];

  before(async () => {
    host = await startHost();
    [aliceToken, bobToken, mfaToken] = await Promise.all([
      host.token({ sub: 'alice', scope: ALL_SCOPES, role: 'analyst' }),
      host.token({ sub: 'bob', scope: ALL_SCOPES, role: 'analyst' }),
      // Fresh MFA (RFC 9470 step-up for export_data's result): authenticated 5 s before minting, max_age is 300 s.
      host.token({ sub: 'alice', scope: ALL_SCOPES, role: 'analyst', acr: 'urn:example:mfa', authAgeS: 5 }),
    ]);
  });

  after(async () => {
    for (const client of clients) await client.close().catch(() => {});
    if (!host) return;
    try {
      await stopGracefully(host);
    } finally {
      await host.dispose();
    }
  });

  it('serves on the printed URL, on 127.0.0.1 and the configured port', () => {
    assert.equal(host.url, `http://127.0.0.1:${host.port}/mcp`);
  });

  it('tools/list shows the five demo tools with their task support from policy data', async () => {
    const alice = await connect(host.url, aliceToken, clients);
    const { tools } = await alice.listTools();
    assert.deepEqual(Object.fromEntries(tools.map((t) => [t.name, t.execution?.taskSupport])), {
      export_data: 'optional', convert_document: 'required', lookup: 'forbidden', run_workflow: 'required', approve_publication: 'required',
    });
    const convert = tools.find((t) => t.name === 'convert_document');
    assert.deepEqual(Object.keys(convert?.inputSchema.properties ?? {}).sort(), ['source', 'to']);
    assert.ok(alice.getServerCapabilities()?.tasks?.requests?.tools?.call, 'declares task-augmented tools/call');
  });

  it('runs convert_document of the sample handbook as a task: tasks/get to completion, tasks/result, a real file', async () => {
    const alice = await connect(host.url, aliceToken, clients);
    const created = await createTask(alice, 'convert_document', { source: 'docs/handbook.md', to: 'html' });
    assert.match(created.taskId, /\S/);
    assert.ok(created.status === 'working' || TERMINAL.has(created.status), `created as ${created.status}`);
    assert.equal(created.pollInterval, 500, 'the tool\'s poll interval from policy data');

    const { task, seen } = await pollTask(alice, created.taskId, (t) => TERMINAL.has(t.status));
    assert.equal(task.status, 'completed', `statuses seen: ${seen.join(' -> ')}; ${task.statusMessage ?? ''}`);
    assert.equal(seen.at(-1), 'completed');

    const result = await alice.request({ method: 'tasks/result', params: { taskId: created.taskId } }, CallToolResultSchema);
    assert.notEqual(result.isError, true);
    const text = result.content[0];
    assert.ok(text?.type === 'text');
    assert.match(text.text, /^converted docs\/handbook\.md to converted\/handbook\.html \(\d+ blocks, \d+ bytes\)$/);
    assert.equal((result.structuredContent as { file?: string } | undefined)?.file, 'converted/handbook.html');
    assert.equal((result._meta?.['io.modelcontextprotocol/related-task'] as { taskId?: string } | undefined)?.taskId, created.taskId);

    const out = path.join(host.workspaceDir, 'converted', 'handbook.html');
    assert.ok(existsSync(out), `${out} written`);
    const html = readFileSync(out, 'utf8');
    assert.match(html, /^<!doctype html>/);
    assert.match(html, /<title>Reporting handbook<\/title>/);
    assert.equal(Buffer.byteLength(html), (result.structuredContent as { bytes?: number } | undefined)?.bytes);

    // The owner lists it; another user of the same tenant and client app gets "task not found" for everything.
    const own = await alice.request({ method: 'tasks/list', params: {} }, ListTasksResultSchema);
    assert.ok(own.tasks.some((t) => t.taskId === created.taskId));

    const bob = await connect(host.url, bobToken, clients);
    for (const attempt of [
      getTask(bob, created.taskId),
      bob.request({ method: 'tasks/result', params: { taskId: created.taskId } }, CallToolResultSchema),
      bob.request({ method: 'tasks/cancel', params: { taskId: created.taskId } }, CancelTaskResultSchema),
    ]) {
      const err = await rpcError(attempt);
      assert.equal(err.code, -32602);
      assert.equal(err.message, 'MCP error -32602: task not found');
    }
    const theirs = await bob.request({ method: 'tasks/list', params: {} }, ListTasksResultSchema);
    assert.ok(!theirs.tasks.some((t) => t.taskId === created.taskId), 'not in the other user\'s tasks/list');
  });

  it('runs export_data as a task and holds its single-read result behind step-up', async () => {
    const alice = await connect(host.url, aliceToken, clients);
    const created = await createTask(alice, 'export_data', { dataset: 'orders', rows: 12_000, format: 'csv' });
    const { task } = await pollTask(alice, created.taskId, (t) => TERMINAL.has(t.status));
    assert.equal(task.status, 'completed');
    // No MFA on this token: the high-risk result needs step-up, answered on HTTP as RFC 9470 401.
    await assert.rejects(alice.request({ method: 'tasks/result', params: { taskId: created.taskId } }, CallToolResultSchema), /insufficient_user_authentication/);

    const mfa = await connect(host.url, mfaToken, clients);
    const result = await mfa.request({ method: 'tasks/result', params: { taskId: created.taskId } }, CallToolResultSchema);
    const structured = result.structuredContent as { file: string; rows: number; bytes: number; sha256: string };
    assert.equal(structured.rows, 12_000);
    assert.equal(structured.file, `exports/orders-${created.taskId}.csv`);
    const csv = readFileSync(path.join(host.workspaceDir, structured.file));
    assert.equal(csv.length, structured.bytes);
    assert.equal(csv.toString('utf8').trimEnd().split('\n').length, 12_001, 'a header and 12000 rows');
    const again = await rpcError(mfa.request({ method: 'tasks/result', params: { taskId: created.taskId } }, CallToolResultSchema));
    assert.deepEqual((again.data as { reasons?: string[] } | undefined)?.reasons, ['result_revoked']);
  });

  it('enforces task support on the wire: -32601 for a task-required tool called plainly and for lookup as a task', async () => {
    const alice = await connect(host.url, aliceToken, clients);
    // Raw requests: client.callTool would refuse the first one itself, from the advertised taskSupport.
    const plain = await rpcError(alice.request({ method: 'tools/call', params: { name: 'convert_document', arguments: { source: 'docs/handbook.md', to: 'text' } } }, CallToolResultSchema));
    assert.equal(plain.code, -32601);
    const asTask = await rpcError(createTask(alice, 'lookup', { q: 'handbook' }));
    assert.equal(asTask.code, -32601);
    const inline = await alice.callTool({ name: 'lookup', arguments: { q: 'handbook' } });
    assert.match((inline.content as { text: string }[])[0]?.text ?? '', /^2 matching lines for "handbook"/);
  });

  it('serves RFC 9728 protected resource metadata whose resource is the served URL', async () => {
    const origin = new URL(host.url).origin;
    const res = await fetch(`${origin}/.well-known/oauth-protected-resource/mcp`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const metadata = await res.json() as Record<string, unknown>;
    assert.equal(metadata['resource'], host.url);
    assert.deepEqual(metadata['bearer_methods_supported'], ['header']);
    assert.deepEqual(metadata['scopes_supported'], ['docs:convert', 'docs:publish', 'reports:export', 'reports:read', 'workflows:run']);
  });

  it('answers a request without a token with 401 and a WWW-Authenticate naming resource_metadata', async () => {
    const metadataUrl = `${new URL(host.url).origin}/.well-known/oauth-protected-resource/mcp`;
    const res = await fetch(host.url, { method: 'POST', headers: MCP_POST_HEADERS, body: JSON.stringify(INITIALIZE) });
    assert.equal(res.status, 401);
    const challenge = res.headers.get('www-authenticate') ?? '';
    assert.match(challenge, /^Bearer /);
    assert.ok(challenge.includes(`resource_metadata="${metadataUrl}"`), challenge);
    await res.body?.cancel();

    const forged = await fetch(host.url, { method: 'POST', headers: { ...MCP_POST_HEADERS, authorization: `Bearer ${aliceToken.slice(0, -4)}AAAA` }, body: JSON.stringify(INITIALIZE) });
    assert.equal(forged.status, 401);
    assert.match(forged.headers.get('www-authenticate') ?? '', /error="invalid_token".*resource_metadata="/);
    await forged.body?.cancel();
  });

  it('answers a Host header outside the allow-list with 403 (DNS rebinding), and accepts the listen address', async () => {
    const headers = { ...MCP_POST_HEADERS, authorization: `Bearer ${aliceToken}` };
    const body = JSON.stringify(INITIALIZE);
    const rebound = await rawRequest({ url: host.url, method: 'POST', headers: { ...headers, host: `attacker.example:${host.port}` }, body });
    assert.equal(rebound.status, 403);
    assert.match(rebound.body, /host not allowed/);
    const metadata = await rawRequest({ url: `${new URL(host.url).origin}/.well-known/oauth-protected-resource/mcp`, headers: { host: 'attacker.example' } });
    assert.equal(metadata.status, 403, 'the allow-list is checked before anything is served');
    const allowed = await rawRequest({ url: host.url, method: 'POST', headers: { ...headers, host: `localhost:${host.port}` }, body });
    assert.equal(allowed.status, 200);
  });

  it('answers a 2 MiB body with 413 (declared content-length)', async () => {
    const big = Buffer.alloc(2 * 1024 * 1024, 0x20);
    const res = await rawRequest({
      url: host.url, method: 'POST',
      headers: { ...MCP_POST_HEADERS, authorization: `Bearer ${aliceToken}`, host: `127.0.0.1:${host.port}`, 'content-length': String(big.length) },
      body: big,
    });
    assert.equal(res.status, 413);
    assert.match(res.body, /request body over 1048576 bytes/);
  });

  it('answers a 2 MiB chunked body (no content-length) with 413', {
  }, async () => {
    const res = await rawRequest({
      url: host.url, method: 'POST',
      headers: { ...MCP_POST_HEADERS, authorization: `Bearer ${aliceToken}`, host: `127.0.0.1:${host.port}`, 'transfer-encoding': 'chunked' },
      body: Buffer.alloc(2 * 1024 * 1024, 0x20),
    });
    assert.equal(res.status, 413);
  });
});

describe('SIGTERM while tasks run', () => {
  let records: Record<string, unknown>[] = [];
  let stoppedTaskId = '';

  it('stops accepting, lets tasks settle for grace_ms, stops the rest, exits 0, and the audit log verifies', async () => {
    const graceMs = 2000;
    const host = await startHost({ config: { shutdown: { grace_ms: graceMs } } });
    const clients: Client[] = [];
    let stopping: Promise<string> | undefined;
    try {
      const token = await host.token({ sub: 'alice', scope: ALL_SCOPES, role: 'analyst' });
      const alice = await connect(host.url, token, clients);
      // approve_publication waits for the approver (input_required) and so is certainly still running at SIGTERM.
      const approval = await createTask(alice, 'approve_publication', { source: 'docs/handbook.md' });
      stoppedTaskId = approval.taskId;
      const waiting = await pollTask(alice, approval.taskId, (t) => t.status === 'input_required');
      assert.equal(waiting.task.status, 'input_required');
      const exporting = await createTask(alice, 'export_data', { dataset: 'events', rows: 200_000, format: 'jsonl' });

      const t0 = Date.now();
      stopping = stopGracefully(host);
      // During the grace period new requests are refused with 503 (bounded polling within grace_ms).
      const refused = await pollUntil('a 503 while draining', async () => {
        const res = await fetch(host.url, { method: 'POST', headers: { ...MCP_POST_HEADERS, authorization: `Bearer ${token}` }, body: JSON.stringify(INITIALIZE) })
          .catch(() => undefined);
        if (res) await res.body?.cancel();
        return res?.status === 503 ? res : undefined;
      }, { limitMs: graceMs, intervalMs: 20 });
      assert.equal(refused.status, 503);

      const stderr = await stopping;
      assert.match(stderr, /stopping [12] task\(s\) still running after 2000 ms/);
      assert.ok(Date.now() - t0 >= graceMs - 100, 'waited for the grace period before stopping the waiting task');
      await assert.rejects(fetch(host.url), 'the port is closed after exit');

      const verify = await runTaskguard(['audit', 'verify', host.auditFile], { timeoutMs: 30_000 });
      assert.equal(verify.code, 0, `audit verify: ${verify.stdout}${verify.stderr}`);
      assert.match(verify.stdout, /^ok: \d+ records, last seq \d+, last hash [0-9a-f]{64}\n$/);
      assert.doesNotMatch(verify.stderr, /no head file/, 'the head sidecar was written and checked');

      records = readFileSync(host.auditFile, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      for (const id of [approval.taskId, exporting.taskId]) {
        assert.ok(records.some((r) => r['task_id'] === id), `audit records for task ${id}`);
      }
    } finally {
      for (const client of clients) await client.close().catch(() => {});
      await stopping?.catch(() => {});
      await host.dispose();
    }
  });

  it('records the final transition of the task stopped at shutdown in the audit log', {
  }, () => {
    const transitions = records.filter((r) => r['task_id'] === stoppedTaskId && r['kind'] === 'lifecycle').map((r) => r['status']);
    assert.ok(stoppedTaskId !== '' && records.length > 0, 'the shutdown test ran');
    assert.ok(['failed', 'cancelled'].includes(String(transitions.at(-1))), `transitions recorded: ${transitions.join(', ')}`);
  });

  it('leaves no child process behind', () => {
    assert.equal(liveChildren(), 0);
  });
});
