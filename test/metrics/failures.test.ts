import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { getTask } from '../e2e/support/sdk.js';
import { rawRequest } from '../e2e/support/http.js';
import { scrape, scrapeUntil } from './support/exposition.js';
import { startMetricsHost, type MetricsHost } from './support/host.js';

describe('store failures in /metrics', () => {
  let host: MetricsHost;
  before(async () => {
    host = await startMetricsHost({ store: { kind: 'sqlite' } });
  });
  after(async () => {
    await host.stop().catch(() => {});
  });

  it('a request the store fails is one local error on the request path; sweeps and lease passes count on the background path', async () => {
    const alice = await host.connect('alice');
    const before = await scrape(host.base);
    // The host's SQLite store, closed under it: every read and write fails from now on.
    await (host.runtime.guard.store as unknown as { close(): Promise<void> }).close();
    let correlationId = '';
    await assert.rejects(getTask(alice, randomUUID()), (err: unknown) => {
      correlationId = String(((err as McpError).data as { correlation_id?: string } | undefined)?.correlation_id);
      return err instanceof McpError && err.code === -32603;
    });
    // The count says that it happened; the operator's log, under the client's correlation id, says why.
    assert.ok(host.logs.some((line) => line.includes(`correlation id ${correlationId}`)), host.logs.join('\n'));
    const afterwards = await scrapeUntil(host.base, (e) => e.value('taskguard_local_errors_total', { path: 'background' }) > 0);
    assert.equal(afterwards.value('taskguard_local_errors_total', { path: 'request' }) - before.value('taskguard_local_errors_total', { path: 'request' }), 1);
    assert.ok(afterwards.value('taskguard_local_errors_total', { path: 'background' }) > 0);
    // A local failure is no guard refusal and no policy decision.
    assert.equal(afterwards.sum('taskguard_refusals_total'), before.sum('taskguard_refusals_total'));
  });
});

describe('audit failures in /metrics', () => {
  let host: MetricsHost;
  before(async () => {
    host = await startMetricsHost();
  });
  after(async () => {
    await host.stop().catch(() => {});
  });

  it('appends the log refuses are counted, writable drops to 0, and /readyz says audit', async () => {
    const alice = await host.connect('alice');
    const before = await scrape(host.base);
    assert.equal(before.value('taskguard_audit_writable'), 1);
    await host.runtime.audit.close();
    await assert.rejects(alice.callTool({ name: 'lookup', arguments: { q: 'refund' } }), McpError);
    const afterwards = await scrape(host.base);
    assert.ok(afterwards.value('taskguard_audit_append_failures_total') >= 1);
    assert.equal(afterwards.value('taskguard_audit_writable'), 0);
    // A decision the log could not take was never answered as one: nothing counted as decided.
    assert.equal(afterwards.sum('taskguard_decisions_total'), before.sum('taskguard_decisions_total'));
    const ready = await rawRequest({ url: new URL('/readyz', host.base).href });
    assert.equal(ready.status, 503);
    assert.equal(JSON.parse(ready.body).checks.audit, false);
  });
});
