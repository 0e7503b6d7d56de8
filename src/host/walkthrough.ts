import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CallToolResultSchema, CancelTaskResultSchema, CreateTaskResultSchema, GetTaskResultSchema, type CallToolResult,
} from '@modelcontextprotocol/sdk/types.js';
import { loadHostConfig } from '../config/host-config.js';
import { mintDevToken, type DevTokenRequest } from './dev-identity.js';
import { createHostRuntime, createReferenceHttp } from './reference-host.js';

/** A person in the walkthrough and the token they hold. */
interface Actor {
  label: string;
  who: Omit<DevTokenRequest, 'ttlS'>;
}

const SCOPES = ['reports:read', 'reports:export', 'docs:convert', 'docs:publish', 'workflows:run'];
const alice: Actor = { label: 'alice@acme', who: { sub: 'alice', tenant: 'acme', client: 'reports-agent', scopes: SCOPES, roles: ['analyst'] } };
const bob: Actor = { label: 'bob@acme', who: { sub: 'bob', tenant: 'acme', client: 'reports-agent', scopes: SCOPES, roles: ['analyst'] } };
const carol: Actor = { label: 'carol@acme (task-supervisor)', who: { sub: 'carol', tenant: 'acme', client: 'ops-console', scopes: ['reports:read'], roles: ['task-supervisor'] } };
const mallory: Actor = { label: 'mallory@globex', who: { sub: 'mallory', tenant: 'globex', client: 'reports-agent', scopes: SCOPES, roles: ['analyst'] } };

/**
 * The guided tour: the real host on a free 127.0.0.1 port with a fresh state folder, driven by the real SDK
 * client with dev tokens, showing each policy path and ending with `audit verify`. Returns a process exit
 * code: 0 only if every step behaved as the policy says it must.
 */
export async function runWalkthrough(say: (line: string) => void): Promise<number> {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'taskguard-demo-'));
  const port = await freePort();
  const configFile = path.join(stateDir, 'taskguard.yaml');
  writeFileSync(configFile, `listen: {port: ${port}}\nstate_dir: .\nshutdown: {grace_ms: 2000}\n`);
  const config = loadHostConfig(configFile);
  const runtime = await createHostRuntime(config, (line) => say(`  (host) ${line}`));
  const http = createReferenceHttp(runtime);
  const url = await http.listen();
  say(`taskguard demo: host at ${url}, state in ${stateDir}`);
  let failures = 0;
  const expect = (ok: boolean, line: string): void => {
    if (!ok) failures += 1;
    say(`  ${ok ? 'ok  ' : 'FAIL'} ${line}`);
  };
  const clients: Client[] = [];
  const connect = async (actor: Actor, extra: Partial<DevTokenRequest> = {}): Promise<Client> => {
    const token = await mintDevToken(config, { ...actor.who, ttlS: 600, ...extra });
    const client = new Client({ name: 'taskguard-demo', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
    clients.push(client);
    return client;
  };

  try {
    say('\n1. alice starts a long export as a task (the policy caps the ttl she asks for)');
    const a = await connect(alice);
    const exportTask = await createTask(a, 'export_data', { dataset: 'orders', rows: 20000, format: 'csv' }, 86_400_000);
    expect(exportTask.ttl === 1_800_000, `allowed: task ${exportTask.taskId}, ttl ${exportTask.ttl} ms (asked for 86400000)`);
    const finished = await pollUntilDone(a, exportTask.taskId, (msg) => say(`       status: ${msg}`));
    expect(finished === 'completed', `alice polls it to ${finished}`);

    say('\n2. bob (same tenant) replays alice\'s task id; mallory (another tenant) tries to read its result');
    const b = await connect(bob);
    expect(await refusal(getTask(b, exportTask.taskId)) === 'task not found', 'bob: task not found, exactly the answer for an id that never existed');
    const m = await connect(mallory);
    expect(await refusal(result(m, exportTask.taskId)) === 'task not found', 'mallory: task not found');

    say('\n3. alice reads the result: a high-risk export needs fresh MFA (RFC 9470 step-up)');
    const challenge = await rawResult(url, await mintDevToken(config, { ...alice.who, ttlS: 600 }), exportTask.taskId);
    expect(challenge.status === 401, `without MFA: HTTP ${challenge.status}, WWW-Authenticate: ${challenge.header}`);
    const aMfa = await connect(alice, { acr: 'urn:example:mfa', authAgeS: 5 });
    const exported = await result(aMfa, exportTask.taskId);
    const summary = exported.structuredContent as { file?: string; rows?: number; sha256?: string } | undefined;
    expect(summary?.rows === 20000, `after re-authenticating: ${summary?.rows} rows in ${summary?.file} (sha256 ${summary?.sha256?.slice(0, 12)}...)`);
    expect(await refusal(result(aMfa, exportTask.taskId)) === 'access denied (result_revoked)', 'a second read: refused, the single-read handle was revoked');

    say('\n4. bob starts a big export, then cancels it: the work stops, not just the record');
    const big = await createTask(b, 'export_data', { dataset: 'events', rows: 200000, format: 'jsonl' });
    const cancelled = await b.request({ method: 'tasks/cancel', params: { taskId: big.taskId } }, CancelTaskResultSchema);
    expect(cancelled.status === 'cancelled', `bob cancels ${big.taskId}: ${cancelled.status}`);

    say('\n5. carol, a supervisor in acme, cancels bob\'s running export for him (delegated), but may not read results');
    const running = await createTask(b, 'export_data', { dataset: 'customers', rows: 200000, format: 'csv' });
    const c = await connect(carol);
    const byCarol = await c.request({ method: 'tasks/cancel', params: { taskId: running.taskId } }, CancelTaskResultSchema);
    expect(byCarol.status === 'cancelled', `carol cancels ${running.taskId}: ${byCarol.status} (audited as delegated)`);
    expect(await refusal(result(c, exportTask.taskId)) === 'task not found', 'carol reading alice\'s result: task not found (result is not a supervisor operation)');
    const cMallory = await refusal(getTask(c, (await createTask(m, 'export_data', { dataset: 'orders', rows: 10, format: 'csv' })).taskId));
    expect(cMallory === 'task not found', 'carol on a globex task: task not found (supervision stops at the tenant)');
  } catch (err) {
    failures += 1;
    say(`  FAIL the walkthrough stopped: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    for (const client of clients) await client.close().catch(() => {});
    http.drain();
    await runtime.settle((line) => say(`  (host) ${line}`));
    await http.close();
  }

  say('\n6. taskguard audit verify: every decision and transition above, hash-chained');
  const verified = await runtime.verifyAudit();
  expect(verified.ok, `${runtime.auditDescription}: ${verified.ok ? `ok, ${verified.records} records` : `FAIL ${verified.problem?.kind} at line ${verified.problem?.line}`}`);
  say(failures === 0 ? '\nevery step behaved as the policy says.' : `\n${failures} step(s) did not behave as expected.`);
  return failures === 0 ? 0 : 1;
}

type TaskInfo = { taskId: string; ttl: number | null; status: string };

async function createTask(client: Client, name: string, args: Record<string, unknown>, ttl?: number): Promise<TaskInfo> {
  const created = await client.request({ method: 'tools/call', params: { name, arguments: args, task: ttl === undefined ? {} : { ttl } } }, CreateTaskResultSchema);
  return created.task;
}

function getTask(client: Client, taskId: string): Promise<unknown> {
  return client.request({ method: 'tasks/get', params: { taskId } }, GetTaskResultSchema);
}

function result(client: Client, taskId: string): Promise<CallToolResult> {
  return client.request({ method: 'tasks/result', params: { taskId } }, CallToolResultSchema);
}

async function pollUntilDone(client: Client, taskId: string, onMessage: (m: string) => void): Promise<string> {
  let last = '';
  for (let i = 0; i < 600; i++) {
    const task = await client.request({ method: 'tasks/get', params: { taskId } }, GetTaskResultSchema);
    if (task.statusMessage && task.statusMessage !== last) onMessage((last = task.statusMessage));
    if (['completed', 'failed', 'cancelled'].includes(task.status)) return task.status;
    await new Promise((r) => setTimeout(r, Math.min(task.pollInterval ?? 200, 200)));
  }
  return 'still working';
}

/** The refusal a request met, as people read it: "task not found", "access denied (reason)". */
async function refusal(request: Promise<unknown>): Promise<string> {
  try {
    await request;
    return 'allowed';
  } catch (err) {
    const e = err as { message?: string; data?: { reasons?: string[] } };
    const text = (e.message ?? String(err)).replace(/^MCP error -?\d+: /, '');
    return e.data?.reasons ? `${text} (${e.data.reasons.join(', ')})` : text;
  }
}

/** tasks/result over raw HTTP, to show the status line and challenge header the SDK client hides. */
async function rawResult(url: string, token: string, taskId: string): Promise<{ status: number; header: string }> {
  const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${token}` };
  const init = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }) });
  const session = init.headers.get('mcp-session-id') ?? '';
  await init.body?.cancel();
  const res = await fetch(url, { method: 'POST', headers: { ...headers, 'mcp-session-id': session }, body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tasks/result', params: { taskId } }) });
  await res.body?.cancel();
  return { status: res.status, header: res.headers.get('www-authenticate') ?? '(none)' };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

