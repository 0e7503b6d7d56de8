import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rawRequest } from '../e2e/support/http.js';
import { scrape } from './support/exposition.js';
import { startMetricsHost, type MetricsHost } from './support/host.js';

/** A GET as a probe or a scraper sends it: addressed to the pod, whatever Host that makes. */
async function get(base: string, pathname: string, method = 'GET'): Promise<{ status: number; type: string | undefined; body: string }> {
  const res = await rawRequest({ url: new URL(pathname, base).href, method, headers: { host: '10.1.2.3:9464' } });
  return { status: res.status, type: res.headers['content-type'], body: res.body };
}

describe('/metrics, /livez and /readyz on a diagnostic listener', () => {
  let host: MetricsHost;
  let diagnostics: string;
  before(async () => {
    host = await startMetricsHost({ diagnostics: { listen: { host: '127.0.0.1', port: 0 } } });
    assert.ok(host.diagnosticsBase);
    diagnostics = host.diagnosticsBase;
  });
  after(async () => {
    await host.stop();
  });

  it('serves the probes and the metrics there, unauthenticated, and nothing else', async () => {
    assert.deepEqual(await get(diagnostics, '/livez'), { status: 200, type: 'application/json', body: '{"status":"ok"}' });
    const ready = await get(diagnostics, '/readyz');
    assert.equal(ready.status, 200);
    assert.deepEqual(JSON.parse(ready.body), { status: 'ready', checks: { policy: true, store: true, audit: true, serving: true } });
    const metrics = await scrape(diagnostics, { host: '10.1.2.3:9464' });
    assert.equal(metrics.value('taskguard_policy_activations_total', { trigger: 'start', result: 'activated' }), 1);
    assert.equal((await get(diagnostics, '/mcp')).status, 404);
    assert.equal((await get(diagnostics, '/metrics', 'POST')).status, 404);
  });

  it('takes /metrics off the MCP port, where the probes stay', async () => {
    assert.equal((await get(host.base, '/metrics')).status, 403, 'an unknown path, behind the Host check');
    const own = await rawRequest({ url: new URL('/metrics', host.base).href, headers: { host: new URL(host.base).host } });
    assert.equal(own.status, 404);
    assert.equal((await get(host.base, '/livez')).status, 200);
    assert.equal(JSON.parse((await get(host.base, '/readyz')).body).checks.policy, true);
  });

  it('answers /readyz for the MCP host: not ready once it drains, still live', async () => {
    host.drain();
    const ready = await get(diagnostics, '/readyz');
    assert.equal(ready.status, 503);
    assert.deepEqual(JSON.parse(ready.body), { status: 'not ready', checks: { policy: true, store: true, audit: true, serving: false } });
    assert.equal((await get(diagnostics, '/livez')).status, 200);
  });
});

describe('/metrics on the MCP port (no diagnostic listener)', () => {
  let host: MetricsHost;
  before(async () => {
    host = await startMetricsHost({ metrics: { process_metrics: true } });
  });
  after(async () => {
    await host.stop();
  });

  it('is served before the Host check, like the probes, with the process metrics asked for', async () => {
    const metrics = await scrape(host.base, { host: '10.1.2.3:8080' });
    assert.equal(metrics.types.get('taskguard_decisions_total'), 'counter');
    assert.ok(metrics.value('process_cpu_user_seconds_total') > 0);
    assert.ok(metrics.series('nodejs_eventloop_lag_seconds').length > 0);
  });
});

describe('metrics.enabled false', () => {
  let host: MetricsHost;
  before(async () => {
    host = await startMetricsHost({ metrics: { enabled: false }, diagnostics: { listen: { port: 0 } } });
  });
  after(async () => {
    await host.stop();
  });

  it('serves no /metrics anywhere; the diagnostic listener keeps the probes', async () => {
    assert.equal(host.runtime.metrics, undefined);
    assert.equal((await rawRequest({ url: new URL('/metrics', host.base).href })).status, 404);
    assert.ok(host.diagnosticsBase);
    assert.equal((await get(host.diagnosticsBase, '/metrics')).status, 404);
    assert.equal((await get(host.diagnosticsBase, '/readyz')).status, 200);
  });
});

describe('the default host (no metrics section)', () => {
  let host: MetricsHost;
  before(async () => {
    host = await startMetricsHost();
  });
  after(async () => {
    await host.stop();
  });

  it('serves taskguard metrics only, no process metrics', async () => {
    const metrics = await scrape(host.base);
    assert.deepEqual([...new Set(metrics.samples.map((s) => s.name.split('_')[0]))], ['taskguard']);
  });
});
