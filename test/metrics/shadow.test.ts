// Shadow mode's and the decision log's counts on /metrics: a host with policy.shadow and decision_logs, real
// SDK calls, a real scrape.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { readBundle } from '../../src/decision/bundle.js';
import { deepMerge } from '../../src/util/merge.js';
import { tempDir } from '../support/temp-policy.js';
import { scrape } from './support/exposition.js';
import { startMetricsHost, type MetricsHost } from './support/host.js';

describe('shadow and decision-log counts on /metrics', () => {
  let host: MetricsHost;
  before(async () => {
    const candidate = path.join(tempDir('taskguard-shadow-metrics-'), 'candidate.yaml');
    // Lookup only for the docs console: the reports agent's lookups flip from allow to deny in the candidate.
    writeFileSync(candidate, stringify(deepMerge(readBundle().data, { tools: { lookup: { allowed_clients: ['docs-console'] } } })));
    host = await startMetricsHost({ policy: { shadow: { data: candidate, sample: 1 } }, decision_logs: { file: 'decisions.jsonl' } });
  });
  after(async () => {
    await host.stop();
  });

  it('counts each sampled decision by how the candidate answered, read from the observer at scrape time', async () => {
    const client = await host.connect('alice');
    for (const q of ['a', 'b']) await client.request({ method: 'tools/call', params: { name: 'lookup', arguments: { q } } }, CallToolResultSchema);
    await host.runtime.shadow?.idle();
    const stats = host.runtime.shadow?.stats;
    assert.ok(stats && stats.disagreed.outcome >= 2);
    const metrics = await scrape(host.base);
    assert.equal(metrics.value('taskguard_shadow_decisions_total', { result: 'outcome' }), stats.disagreed.outcome);
    assert.equal(metrics.value('taskguard_shadow_decisions_total', { result: 'agreed' }), stats.agreed);
    assert.equal(metrics.value('taskguard_shadow_decisions_total', { result: 'detail' }), stats.disagreed.detail);
    assert.equal(metrics.value('taskguard_shadow_decisions_total', { result: 'dropped' }), 0);
  });

  it('counts decision-log events and losses, read from the log at scrape time', async () => {
    await host.runtime.decisionLog?.flush();
    const stats = host.runtime.decisionLog?.stats();
    assert.ok(stats && stats.logged > 0);
    const metrics = await scrape(host.base);
    assert.equal(metrics.value('taskguard_decision_log_events_total'), stats.logged);
    assert.equal(metrics.value('taskguard_decision_log_dropped_total', { reason: 'buffer_full' }), 0);
    assert.equal(metrics.series('taskguard_decision_log_dropped_total').length, 7, 'one series per drop reason, rate_limited included');
    assert.equal(metrics.value('taskguard_decision_log_upload_failures_total'), 0);
  });
});
