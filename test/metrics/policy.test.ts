import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { parse, stringify } from 'yaml';
import { scrape, type Exposition } from './support/exposition.js';
import { startMetricsHost, type MetricsHost } from './support/host.js';

const ACTIVATIONS = 'taskguard_policy_activations_total';
const INFO = 'taskguard_policy_info';

function infoSeries(e: Exposition): Array<Readonly<Record<string, string>>> {
  return e.series(INFO).map((s) => {
    assert.equal(s.value, 1);
    return s.labels;
  });
}

describe('policy activations in /metrics', () => {
  let host: MetricsHost;
  let committed: Record<string, unknown>;
  before(async () => {
    host = await startMetricsHost();
    committed = parse(readFileSync(host.dataFile, 'utf8')) as Record<string, unknown>;
  });
  after(async () => {
    await host.stop();
  });

  it('the snapshot started with is the one activation and the one info series', async () => {
    const e = await scrape(host.base);
    assert.equal(e.value(ACTIVATIONS, { trigger: 'start', result: 'activated' }), 1);
    assert.equal(e.sum(ACTIVATIONS), 1);
    assert.deepEqual(infoSeries(e), [{ revision: host.runtime.decider.revision, data_revision: host.runtime.decider.dataRevision }]);
    assert.ok(Math.abs(e.value('taskguard_policy_last_activation_timestamp_seconds') - Date.now() / 1000) < 600);
  });

  it('a reload (SIGHUP) that activates moves the counter and replaces the info series; a refused one leaves it', async () => {
    const started = host.runtime.decider;
    writeFileSync(host.dataFile, stringify({ ...committed, limits: { operations_per_minute: 3, live_tasks_per_principal: 20 } }));
    assert.equal((await host.runtime.reloadPolicy('sighup')).kind, 'activated');
    const activated = await scrape(host.base);
    assert.equal(activated.value(ACTIVATIONS, { trigger: 'sighup', result: 'activated' }), 1);
    assert.notEqual(host.runtime.decider.dataRevision, started.dataRevision);
    assert.deepEqual(infoSeries(activated), [{ revision: host.runtime.decider.revision, data_revision: host.runtime.decider.dataRevision }]);

    // The same files again: nothing to activate, counted as unchanged.
    assert.equal((await host.runtime.reloadPolicy('sighup')).kind, 'unchanged');
    writeFileSync(host.dataFile, stringify({ ...committed, limits: { operations_per_minute: -1 } }));
    assert.equal((await host.runtime.reloadPolicy('sighup')).kind, 'refused');
    const refused = await scrape(host.base);
    assert.equal(refused.value(ACTIVATIONS, { trigger: 'sighup', result: 'unchanged' }), 1);
    assert.equal(refused.value(ACTIVATIONS, { trigger: 'sighup', result: 'refused' }), 1);
    assert.equal(refused.value(ACTIVATIONS, { trigger: 'sighup', result: 'activated' }), 1);
    assert.deepEqual(infoSeries(refused), infoSeries(activated));
    assert.equal(refused.value('taskguard_policy_last_activation_timestamp_seconds'), activated.value('taskguard_policy_last_activation_timestamp_seconds'));
    // The refusal's cause is in the log and the audit record, not in a label.
    assert.doesNotMatch(JSON.stringify(refused.series(ACTIVATIONS)), /operations_per_minute|must/);
  });

  it('rate-limit refusals under the activated limit are counted by reason, apart from decisions', async () => {
    // The active data allows 3 operations per minute per principal.
    const dave = await host.connect('dave');
    const before = await scrape(host.base);
    let refusedCalls = 0;
    for (let i = 0; i < 6; i++) {
      await dave.callTool({ name: 'lookup', arguments: { q: 'refund' } }).catch((err: unknown) => {
        assert.ok(err instanceof McpError);
        refusedCalls++;
      });
    }
    const afterwards = await scrape(host.base);
    assert.ok(refusedCalls >= 3, `${refusedCalls} calls refused`);
    assert.equal(afterwards.value('taskguard_refusals_total', { op: 'call', reason: 'rate_limited' }) - before.value('taskguard_refusals_total', { op: 'call', reason: 'rate_limited' }), refusedCalls);
    const allowed = afterwards.value('taskguard_decisions_total', { op: 'call', wire: '2025-11-25', outcome: 'allow' }) - before.value('taskguard_decisions_total', { op: 'call', wire: '2025-11-25', outcome: 'allow' });
    assert.equal(allowed, 6 - refusedCalls);
  });
});
