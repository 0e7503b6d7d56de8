import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { stringify } from 'yaml';
import { NO_POLICY } from '../../src/activation/no-policy.js';
import { loadHostConfig } from '../../src/config/host-config.js';
import { mintDevToken } from '../../src/host/dev-identity.js';
import { createHostRuntime, createReferenceHttp, type HostRuntime } from '../../src/host/reference-host.js';
import type { HttpHost } from '../../src/http/host.js';
import { freePort } from '../e2e/support/host-process.js';
import { Gates } from '../support/gates.js';
import { waitForStatus, wrap, type GuardedClient } from '../support/stack.js';
import { tempDir } from '../support/temp-policy.js';
import { registerTestTools } from '../support/tools.js';
import { editArchive, generateKeyFiles } from '../policy/signing-support.js';
import { BundleServer } from './bundle-server.js';
import { buildServiceBundles, FIRST_POLL_MS, opaBuild, save, SECOND_POLL_MS, secondPolicyDir, type ServiceBundles } from './service-bundles.js';
import { defaultPolicyDir } from '../../src/util/paths.js';

const TOKEN_ENV = 'TASKGUARD_TEST_BUNDLE_TOKEN';
const TOKEN = 'svc-token-0b61d2e4';
process.env[TOKEN_ENV] = TOKEN;

let bundles: ServiceBundles;
before(() => {
  bundles = buildServiceBundles();
});

interface Host {
  runtime: HostRuntime;
  http: HttpHost;
  url: string;
  gates: Gates;
  lines: string[];
  connect(): Promise<GuardedClient>;
  ready(): Promise<{ status: number; checks: Record<string, boolean> }>;
  stop(): Promise<void>;
}

const running = new Set<Host>();
const servers: BundleServer[] = [];
after(async () => {
  for (const host of running) await host.stop();
  for (const server of servers) await server.close();
});

async function bundleServer(): Promise<{ server: BundleServer; url: string }> {
  const server = new BundleServer();
  servers.push(server);
  return { server, url: await server.listen() };
}

/** The reference host as `taskguard serve` builds it, on a bundle service, with the gated test tools. */
async function startHost(stateDir: string, policy: Record<string, unknown>): Promise<Host> {
  const port = await freePort();
  const file = path.join(tempDir('taskguard-service-host-'), 'taskguard.yaml');
  writeFileSync(file, stringify({ state_dir: stateDir, listen: { port }, store: { kind: 'memory' }, demo: { tools: false }, policy }));
  const lines: string[] = [];
  const runtime = await createHostRuntime(loadHostConfig(file), (line) => lines.push(line));
  const gates = new Gates();
  registerTestTools(runtime.guard, gates);
  const http = createReferenceHttp(runtime);
  const url = await http.listen();
  const clients: Client[] = [];
  const host: Host = {
    runtime, http, url, gates, lines,
    async connect() {
      const token = await mintDevToken(runtime.config, { sub: 'alice', tenant: 'acme', client: 'reports-agent', scopes: ['docs:convert', 'reports:read'], roles: ['analyst'], ttlS: 600 });
      const client = new Client({ name: 'taskguard-service-test', version: '1.0.0' });
      const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } });
      await client.connect(transport);
      clients.push(client);
      return wrap(client, transport);
    },
    async ready() {
      const res = await fetch(new URL('/readyz', url));
      return { status: res.status, checks: ((await res.json()) as { checks: Record<string, boolean> }).checks };
    },
    async stop() {
      running.delete(host);
      for (const client of clients) await client.close().catch(() => {});
      await http.close();
      await runtime.settle(() => {});
    },
  };
  running.add(host);
  return host;
}

const service = (url: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  url, credentials: { bearer: { token_env: TOKEN_ENV } }, polling: { min_delay_seconds: 0.05, max_delay_seconds: 0.1 }, ...extra,
});

async function until(what: string, condition: () => boolean | Promise<boolean>, limitMs = 10_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function auditRecords(stateDir: string): Array<Record<string, unknown>> {
  return readFileSync(path.join(stateDir, 'audit.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('a host on a bundle service', () => {
  let server: BundleServer;
  let serverUrl: string;
  const stateDir = path.join(tempDir('taskguard-service-state-'), 'state');
  before(async () => {
    ({ server, url: serverUrl } = await bundleServer());
  });

  it('takes a new bundle while it runs: a running task completes, decisions after it carry the new revision', async () => {
    server.serve('"r1"', bundles.first);
    const host = await startHost(stateDir, { service: service(serverUrl) });
    assert.equal(host.runtime.decider.dataRevision, bundles.firstDataRevision);
    assert.deepEqual(await host.ready(), { status: 200, checks: { store: true, audit: true, policy: true, serving: true } });
    const client = await host.connect();

    const slow = await client.createTask('convert_document', { text: 'slow', gate: 'held' });
    assert.equal(slow.pollInterval, FIRST_POLL_MS);
    await host.gates.started('held');

    server.serve('"r2"', bundles.second);
    await until('the second bundle is active', () => host.runtime.decider.dataRevision === bundles.secondDataRevision);
    const after = await client.createTask('convert_document', { text: 'after' });
    assert.equal(after.pollInterval, SECOND_POLL_MS, 'a decision after the swap is the new policy\'s');

    host.gates.release('held');
    await waitForStatus(client, slow.taskId, 'completed');
    assert.deepEqual((await client.result(slow.taskId)).content, [{ type: 'text', text: 'SLOW' }]);
    assert.match(host.lines.join('\n'), /^policy activated \(service\): policy [0-9a-f]{12}, data [0-9a-f]{12}, was /m);
    assert.doesNotMatch(host.lines.join('\n'), new RegExp(TOKEN));
    await host.stop();

    const records = auditRecords(stateDir);
    const activations = records.filter((r) => r['kind'] === 'policy');
    assert.deepEqual(activations.map((r) => [r['event'], r['reasons'], r['data_revision']]), [
      ['activated', ['service'], bundles.firstDataRevision],
      ['activated', ['service'], bundles.secondDataRevision],
    ]);
    // Each names the service (no credential) and the ETag it came under; the second, what it replaced.
    for (const r of activations) assert.match(String(r['source']), /^service http:\/\/127\.0\.0\.1:\d+\/\S+, etag "[^"]+"$/);
    assert.equal(activations[1]?.['previous_data_revision'], bundles.firstDataRevision);
    assert.doesNotMatch(JSON.stringify(activations), new RegExp(TOKEN));
    // A create is decided before its task has an id: its revision is on the task's `created` record.
    const revisionOf = (task: string, kind: string, what: string): unknown =>
      records.find((r) => r['kind'] === kind && r['task_id'] === task && (r['op'] === what || r['event'] === what))?.['data_revision'];
    assert.equal(revisionOf(slow.taskId, 'lifecycle', 'created'), bundles.firstDataRevision);
    assert.equal(revisionOf(slow.taskId, 'decision', 'result'), bundles.secondDataRevision);
    assert.equal(revisionOf(after.taskId, 'lifecycle', 'created'), bundles.secondDataRevision);
  });

  it('restarted while the service is down, serves the persisted bundle, degraded but ready; asks with its ETag once the service is back', async () => {
    server.mode = 'down';
    const host = await startHost(stateDir, { service: service(serverUrl) });
    assert.equal(host.runtime.decider.dataRevision, bundles.secondDataRevision);
    const degraded = host.lines.find((line) => line.startsWith('degraded:'));
    assert.match(degraded ?? '', new RegExp(`^degraded: bundle service unreachable, serving the persisted bundle policy [0-9a-f]{12}, data ${bundles.secondDataRevision.slice(0, 12)} \\(`));
    assert.equal((await host.ready()).status, 200);
    const client = await host.connect();
    assert.equal((await client.createTask('convert_document', { text: 'x' })).pollInterval, SECOND_POLL_MS);

    server.mode = 'serving';
    await until('the service is asked again', () => server.requests.at(-1)?.status === 304);
    assert.equal(server.requests.at(-1)?.headers['if-none-match'], '"r2"', 'the persisted ETag');
    // SIGHUP polls at once (or joins a periodic poll in flight): the policy is current.
    assert.equal((await host.runtime.reloadPolicy('sighup')).kind, 'unchanged');
    await host.stop();
  });
});

describe('a host on a bundle service, with nothing persisted and the service unreachable', () => {
  it('starts failing closed and not ready, and serves once the first bundle arrives', async () => {
    const { server, url } = await bundleServer();
    server.mode = 'down';
    const host = await startHost(path.join(tempDir(), 'state'), { service: service(url) });
    assert.equal(host.runtime.decider, NO_POLICY);
    assert.match(host.lines.join('\n'), /^no policy: bundle service unreachable and no persisted bundle; every request is refused/m);
    assert.deepEqual(await host.ready(), { status: 503, checks: { store: true, audit: true, policy: false, serving: true } });
    const client = await host.connect();
    const refused = await client.call('lookup', { q: 'x' }).then(() => 'allowed', (err: unknown) => String(err));
    assert.match(refused, /access denied/);

    server.serve('"r1"', bundles.first);
    server.mode = 'serving';
    await until('the first bundle is active', () => host.runtime.decider !== NO_POLICY);
    assert.equal((await host.ready()).status, 200);
    assert.deepEqual((await client.call('lookup', { q: 'x' })).content, [{ type: 'text', text: 'answer to x' }]);
    await host.stop();
  });
});

describe('a host on a bundle service, with policy.verification keys', () => {
  it('verifies each bundle as a file one: a tampered or an unsigned bundle is refused and the ETag stays; the persisted one is verified again at start', async () => {
    const keys = generateKeyFiles();
    const signing = ['--signing-key', keys.rsaPrivate];
    const signedFirst = opaBuild(defaultPolicyDir, [...signing, '--revision', 's1']);
    const signedSecond = opaBuild(secondPolicyDir(), [...signing, '--revision', 's2']);
    const tampered = readFileSync(editArchive(save(signedFirst), (files) => {
      files.set('data.json', Buffer.from((files.get('data.json') as Buffer).toString().replace('3600000', '999999999')));
    }));
    const { server, url } = await bundleServer();
    const stateDir = path.join(tempDir(), 'state');
    const verification = (keyFile: string, algorithm = 'RS256'): Record<string, unknown> => ({ keys: { default: { key_file: keyFile, algorithm } } });

    server.serve('"s1"', signedFirst);
    const host = await startHost(stateDir, { service: service(url), verification: verification(keys.rsaPublic) });
    assert.equal(host.runtime.decider.dataRevision, bundles.firstDataRevision);
    const live = host.runtime.decider;
    for (const [etag, body, reason] of [['"tampered"', tampered, /file data\.json in .* does not match its signature/], ['"unsigned"', bundles.first, /is not signed/]] as const) {
      server.serve(etag, body);
      await until(`${etag} is refused`, () => host.lines.some((line) => line.startsWith('policy candidate refused (service)') && reason.test(line)));
      const next = server.requests.length;
      await server.answered(next + 1);
      assert.equal(server.requests[next]?.headers['if-none-match'], '"s1"');
      assert.equal(host.runtime.decider, live);
    }
    server.serve('"s2"', signedSecond);
    await until('the second signed bundle is active', () => host.runtime.decider.dataRevision === bundles.secondDataRevision);
    await host.stop();

    // Another key now: the persisted bundle no longer verifies, and is not served.
    server.mode = 'down';
    const rekeyed = await startHost(stateDir, { service: service(url), verification: verification(keys.otherEcPublic, 'ES256') });
    assert.equal(rekeyed.runtime.decider, NO_POLICY);
    assert.match(rekeyed.lines.join('\n'), /^persisted bundle refused, not served: .*signature/m);
    assert.equal((await rekeyed.ready()).status, 503);
    await rekeyed.stop();
  });
});
