import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import type { Decision, DecisionInput } from '../../src/decision/types.js';
import { CellHistogram } from '../../src/metrics/cell-histogram.js';
import { TaskguardMetrics } from '../../src/metrics/taskguard-metrics.js';
import { Exposition } from './support/exposition.js';

const PRINCIPAL = { sub: 'alice', tenant: 'acme', client_id: 'reports-agent', scopes: [], roles: [], acr: '', auth_time_ms: 0 };

function decided(metrics: TaskguardMetrics, input: Partial<DecisionInput>, decision: Partial<Decision>, evalNs = 8000): void {
  metrics.decisions.decided({
    decisionId: 'd', input: { op: 'get', now_ms: 0, principal: PRINCIPAL, ...input }, decision: { allow: false, reasons: [], delegated: false, ...decision },
    policyRevision: 'p', dataRevision: 'd', timeMs: 0, evalNs,
  });
}

const exposition = async (registry: Registry): Promise<Exposition> => new Exposition(await registry.metrics());

describe('the decision metrics observer', () => {
  it('counts allow, deny and engine errors, reading an absent wire as 2025-11-25', async () => {
    const metrics = new TaskguardMetrics({ running: () => 0, auditWritable: () => true });
    decided(metrics, { op: 'create', wire: '2026-07-28' }, { allow: true });
    decided(metrics, { op: 'create' }, { allow: false, reasons: ['owner_mismatch'] });
    decided(metrics, { op: 'create' }, { allow: false, reasons: ['policy_error'], error: 'wasm trap' });
    const e = await exposition(metrics.registry);
    assert.equal(e.value('taskguard_decisions_total', { op: 'create', wire: '2026-07-28', outcome: 'allow' }), 1);
    assert.equal(e.value('taskguard_decisions_total', { op: 'create', wire: '2025-11-25', outcome: 'deny' }), 1);
    assert.equal(e.value('taskguard_decisions_total', { op: 'create', wire: '2025-11-25', outcome: 'error' }), 1);
    assert.equal(e.sum('taskguard_decisions_total'), 3);
    // Every series is there from the start: 8 operations x 2 wires x 3 outcomes.
    assert.equal(e.series('taskguard_decisions_total').length, 48);
    // A scrape hands the counts over once: a second scrape shows the same totals.
    assert.equal((await exposition(metrics.registry)).sum('taskguard_decisions_total'), 3);
  });

  it('folds refusal reasons it does not know into other, and counts local failures apart', async () => {
    const metrics = new TaskguardMetrics({ running: () => 0, auditWritable: () => true });
    for (const reason of ['rate_limited', 'tasks_not_declared', 'quota_exceeded_for_tenant_acme', 'internal_error']) {
      metrics.decisions.refused({ decisionId: 'r', op: 'call', reason, timeMs: 0 });
    }
    const e = await exposition(metrics.registry);
    assert.equal(e.value('taskguard_refusals_total', { op: 'call', reason: 'rate_limited' }), 1);
    assert.equal(e.value('taskguard_refusals_total', { op: 'call', reason: 'tasks_not_declared' }), 1);
    assert.equal(e.value('taskguard_refusals_total', { op: 'call', reason: 'other' }), 1);
    assert.equal(e.sum('taskguard_refusals_total'), 3);
    assert.equal(e.value('taskguard_local_errors_total', { path: 'request' }), 1);
    assert.doesNotMatch(JSON.stringify(e.samples), /quota_exceeded|acme/);
  });
});

describe('CellHistogram', () => {
  it('puts a value equal to a bound in that bound\'s bucket, larger ones past the last in +Inf', async () => {
    const registry = new Registry();
    const h = new CellHistogram(registry, { name: 'x_seconds', help: 'x', buckets: [1e-6, 1e-5], label: ['op', ['a', 'b']] });
    h.observe(0, 1e-6);
    h.observe(0, 5e-6);
    h.observe(0, 1);
    h.observe(1, 0);
    const e = await exposition(registry);
    assert.equal(e.types.get('x_seconds'), 'histogram');
    assert.deepEqual(e.series('x_seconds_bucket', { op: 'a' }).map((s) => [s.labels['le'], s.value]), [['0.000001', 1], ['0.00001', 2], ['+Inf', 3]]);
    assert.equal(e.value('x_seconds_count', { op: 'a' }), 3);
    assert.ok(Math.abs(e.value('x_seconds_sum', { op: 'a' }) - (1 + 6e-6)) < 1e-12);
    assert.deepEqual(e.series('x_seconds_bucket', { op: 'b' }).map((s) => s.value), [1, 1, 1]);
  });
});
