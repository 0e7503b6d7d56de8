import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PolicyActivator } from '../../src/activation/activator.js';
import { openBundleService, type BundleService, type PollEvent } from '../../src/activation/bundle-service.js';
import { NO_POLICY } from '../../src/activation/no-policy.js';
import type { BundleServiceConfig } from '../../src/config/bundle-service-config.js';
import { SwappablePolicy } from '../../src/decision/policy-handle.js';
import { MAX_BUNDLE_BYTES } from '../../src/policy/tar.js';
import { tempDir } from '../support/temp-policy.js';
import { BundleServer } from './bundle-server.js';
import { buildServiceBundles, type ServiceBundles } from './service-bundles.js';

const TOKEN = 'bundle-token-7f3e0c9a';
let bundles: ServiceBundles;
before(() => {
  bundles = buildServiceBundles();
});

interface Poller {
  service: BundleService;
  policy: SwappablePolicy;
  events: PollEvent[];
  lines: string[];
  stateDir: string;
}

const servers: BundleServer[] = [];
const pollers: BundleService[] = [];
after(async () => {
  for (const p of pollers) await p.close();
  for (const s of servers) await s.close();
});

async function serverWith(etag: string, body: Buffer): Promise<{ server: BundleServer; url: string }> {
  const server = new BundleServer();
  servers.push(server);
  server.serve(etag, body);
  return { server, url: await server.listen() };
}

/** A poller on a real activator and policy handle, as the host builds it, started. */
async function startPoller(url: string, polling: BundleServiceConfig['polling'], random?: () => number): Promise<Poller> {
  const events: PollEvent[] = [];
  const lines: string[] = [];
  const stateDir = tempDir('taskguard-service-');
  const service = await openBundleService({
    config: { url, bundle: 'taskguard', resource: 'bundles/taskguard', headersEnv: {}, bearer: { tokenEnv: 'BUNDLE_TOKEN', scheme: 'Bearer' }, polling },
    verification: undefined, stateDir, userAgent: 'taskguard/test', env: { BUNDLE_TOKEN: TOKEN },
    log: (line) => lines.push(line), onPoll: (e) => events.push(e), ...(random ? { random } : {}),
  });
  pollers.push(service);
  const policy = new SwappablePolicy(service.initial);
  await service.start(new PolicyActivator({ handle: policy, audit: undefined, log: (line) => lines.push(line) }));
  return { service, policy, events, lines, stateDir };
}

async function until(what: string, condition: () => boolean, limitMs = 10_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const fast = { minDelayMs: 20, maxDelayMs: 60 };

describe('polling an OPA bundle service', () => {
  it('first GET without If-None-Match, then the activated ETag each time and a 304; OPA\'s headers; the bundle persisted 0600', async () => {
    const { server, url } = await serverWith('"r1"', bundles.first);
    const p = await startPoller(url, fast);
    assert.notEqual(p.policy.current(), NO_POLICY);
    assert.equal(p.policy.current().dataRevision, bundles.firstDataRevision);
    const seen = await server.answered(3);
    assert.deepEqual(seen.map((r) => [r.status, r.headers['if-none-match']]), [[200, undefined], [304, '"r1"'], [304, '"r1"']]);
    for (const r of seen) {
      assert.equal(r.headers['prefer'], 'modes=snapshot');
      assert.equal(r.headers['user-agent'], 'taskguard/test');
      assert.equal(r.headers['authorization'], `Bearer ${TOKEN}`);
    }
    assert.deepEqual(p.events.slice(0, 2).map((e) => e.result), ['activated', 'not_modified']);
    const archive = path.join(p.stateDir, 'bundles', 'taskguard', 'bundle.tar.gz');
    assert.deepEqual(readFileSync(archive), bundles.first);
    assert.equal(statSync(archive).mode & 0o777, 0o600);
    assert.doesNotMatch(p.lines.join('\n'), new RegExp(TOKEN));
  });

  it('refuses a corrupt archive, a wrong entrypoint, invalid data and an archive past the size cap: the old policy serves, the ETag and the persisted copy stay', async () => {
    const { server, url } = await serverWith('"r1"', bundles.first);
    const p = await startPoller(url, fast);
    const live = p.policy.current();
    const archive = path.join(p.stateDir, 'bundles', 'taskguard', 'bundle.tar.gz');
    const cases: Array<[string, Buffer, RegExp]> = [
      ['"corrupt"', bundles.corrupt, /does not inflate|truncated/],
      ['"wrong-entrypoint"', bundles.wrongEntrypoint, /does not list the taskguard\/tasks\/decision entrypoint/],
      ['"bad-data"', bundles.badData, /defaults\.max_ttl_ms/],
    ];
    // Past the size cap, announced by Content-Length or found by counting a chunked body.
    const huge = Buffer.alloc(MAX_BUNDLE_BYTES + 1);
    cases.push(['"huge"', huge, /declares 67108865 bytes, more than 64 MiB/], ['"huge-chunked"', huge, /is larger than 64 MiB/]);
    for (const [etag, body, reason] of cases) {
      server.chunked = etag === '"huge-chunked"';
      server.serve(etag, body);
      const refusal = new RegExp(`^policy candidate refused \\(service\\), still serving .*${reason.source}`);
      await until(`${etag} is refused`, () => p.lines.some((line) => refusal.test(line)));
      // The next poll still names the bundle serving, so the service sends its bundle again instead of a 304.
      const next = server.requests.length;
      await server.answered(next + 1);
      assert.equal(server.requests[next]?.headers['if-none-match'], '"r1"');
      assert.equal(p.policy.current(), live);
      assert.deepEqual(readFileSync(archive), bundles.first);
    }
    server.serve('"r2"', bundles.second);
    // The poll's event comes once the bundle is live and persisted.
    await until('r2 is active', () => p.events.at(-1)?.result === 'activated');
    assert.equal(p.policy.current().dataRevision, bundles.secondDataRevision);
    assert.deepEqual(readFileSync(archive), bundles.second);
    const next = server.requests.length;
    await server.answered(next + 1);
    assert.equal(server.requests[next]?.headers['if-none-match'], '"r2"');
  });

  it('backs off after server errors, 100 ms x 1.6 per failure up to max_delay, one request per attempt; recovers to periodic polling', async () => {
    const { server, url } = await serverWith('"r1"', bundles.first);
    // Jitter pinned to its middle: the delays are exactly OPA's backoff.
    const p = await startPoller(url, { minDelayMs: 20, maxDelayMs: 500 }, () => 0.5);
    const before = server.requests.length;
    server.mode = 'failing';
    await until('six failed polls', () => p.events.filter((e) => e.result === 'failed').length >= 6);
    const failed = p.events.filter((e) => e.result === 'failed').slice(0, 6);
    assert.deepEqual(failed.map((e) => e.nextDelayMs), [160, 256, 410, 500, 500, 500]);
    assert.ok(failed.every((e) => e.sentEtag === '"r1"'));
    server.mode = 'serving';
    await until('the service answers again', () => p.events.at(-1)?.result === 'not_modified');
    const failedRequests = server.requests.slice(before).filter((r) => r.status === 500).length;
    assert.equal(failedRequests, p.events.filter((e) => e.result === 'failed').length, 'no retries beyond the scheduled ones');
    assert.equal(p.events.at(-1)?.nextDelayMs, 260);
    assert.equal(p.service.status().consecutiveFailures, 0);
    assert.equal(p.policy.current().dataRevision, bundles.firstDataRevision);
    assert.match(p.lines.join('\n'), /bundle service http:\/\/127\.0\.0\.1:\d+\/v1\/bundles\/taskguard answered 500; retrying with backoff, still serving policy/);
    assert.match(p.lines.join('\n'), /answering again/);
  });

  it('waits at least as long as a 429 or 503 Retry-After says (seconds or an HTTP date), then backs off as before', async () => {
    const { server, url } = await serverWith('"r1"', bundles.first);
    const p = await startPoller(url, { minDelayMs: 20, maxDelayMs: 500 }, () => 0.5);
    server.failStatus = 503;
    server.retryAfter = '1';
    server.mode = 'failing';
    await until('a throttled poll', () => p.events.some((e) => e.result === 'failed'));
    // OPA's backoff alone would retry after 160 ms; the service asked for a second.
    assert.equal(p.events.find((e) => e.result === 'failed')?.nextDelayMs, 1000);
    server.failStatus = 429;
    server.retryAfter = new Date(Date.now() + 3000).toUTCString();
    await until('a poll told to wait by date', () => p.events.filter((e) => e.result === 'failed').length >= 2);
    const byDate = p.events.filter((e) => e.result === 'failed')[1]?.nextDelayMs ?? 0;
    assert.ok(byDate > 1000 && byDate <= 3000, `the date's delay: ${byDate}`);
    assert.match(p.lines.join('\n'), /answered 503; retrying with backoff/);
    server.retryAfter = undefined;
    server.mode = 'serving';
    await until('the service answers again', () => p.events.at(-1)?.result === 'not_modified', 15_000);
    assert.equal(p.policy.current().dataRevision, bundles.firstDataRevision);
  });

  it('long polls with Prefer: wait=N when the service says it holds them, and falls back to periodic polling when it does not', async () => {
    const { server, url } = await serverWith('"r1"', bundles.first);
    server.longPolling = true;
    const p = await startPoller(url, { ...fast, longPollingTimeoutS: 1 });
    await until('a poll is held', () => server.held() === 1);
    assert.equal(server.requests.at(-1)?.headers['prefer'], 'modes=snapshot;wait=1');
    server.serve('"r2"', bundles.second);
    await until('r2 is active', () => p.events.filter((e) => e.result === 'activated').length === 2);
    assert.equal(p.policy.current().dataRevision, bundles.secondDataRevision);
    assert.equal([...p.events].reverse().find((e) => e.result === 'activated')?.nextDelayMs, 0, 'asked again at once');
    // Held for the whole wait, then 304: asked again at once too.
    await until('a held poll times out', () => p.events.some((e) => e.result === 'not_modified'));
    assert.equal(p.events.find((e) => e.result === 'not_modified')?.nextDelayMs, 0);

    server.longPolling = false;
    const count = p.events.length;
    await until('two more polls', () => p.events.length >= count + 2);
    const plain = p.events.at(-1) as PollEvent;
    assert.equal(plain.result, 'not_modified');
    assert.ok(plain.nextDelayMs >= fast.minDelayMs && plain.nextDelayMs <= fast.maxDelayMs, `periodic delay ${plain.nextDelayMs}`);
    assert.equal(server.requests.at(-1)?.headers['prefer'], 'modes=snapshot;wait=1');
  });

  it('a bundle it cannot store is a failed poll, retried with backoff, not a crash', async () => {
    const { server, url } = await serverWith('"r1"', bundles.first);
    const p = await startPoller(url, fast);
    // A file where the bundle's folder was: nothing can be written there.
    const folder = path.join(p.stateDir, 'bundles', 'taskguard');
    rmSync(folder, { recursive: true });
    writeFileSync(folder, 'in the way');
    server.serve('"r2"', bundles.second);
    await until('a poll fails', () => p.events.some((e) => e.result === 'failed'));
    assert.match(p.lines.join('\n'), /^bundle service poll failed: .*(EEXIST|ENOTDIR)/m);
    assert.equal(p.policy.current().dataRevision, bundles.firstDataRevision);
    rmSync(folder);
    await until('the second bundle is active', () => p.policy.current().dataRevision === bundles.secondDataRevision);
  });

  it('pollNow (SIGHUP) fetches at once, however long the periodic delay', async () => {
    const { server, url } = await serverWith('"r1"', bundles.first);
    const p = await startPoller(url, { minDelayMs: 3_600_000, maxDelayMs: 3_600_000 });
    server.serve('"r2"', bundles.second);
    const outcome = await p.service.pollNow();
    assert.equal(outcome.kind, 'activated');
    assert.equal(p.policy.current().dataRevision, bundles.secondDataRevision);
    assert.equal((await p.service.pollNow()).kind, 'unchanged');
    assert.deepEqual(server.requests.map((r) => r.status), [200, 200, 304]);
  });
});
