import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CancelTaskResultSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { AuditRecord } from '../../src/audit/record.js';
import { OPERATIONS } from '../../src/decision/types.js';
import { SAMPLE_PATH } from '../../src/host/demo-tools.js';
import { AUDIT_TIMING_SAMPLE } from '../../src/metrics/audit-metrics.js';
import { DECISION_BUCKETS_S } from '../../src/metrics/labels.js';
import { createTask, getTask, type Task } from '../e2e/support/sdk.js';
import { resultOf, rpc2026 } from '../wire-2026/support.js';
import { scrape, scrapeUntil, type Exposition } from './support/exposition.js';
import { startMetricsHost, type MetricsHost } from './support/host.js';

const DECISIONS = 'taskguard_decisions_total';
const LATENCY = 'taskguard_decision_duration_seconds';

async function waitFor(client: Client, taskId: string, status: string): Promise<Task> {
  const until = Date.now() + 10_000;
  for (;;) {
    const task = await getTask(client, taskId);
    if (task.status === status) return task;
    assert.ok(Date.now() < until, `task ${taskId} is ${task.status}, expected ${status}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('/metrics on a reference host driven by a real SDK client', () => {
  let host: MetricsHost;
  const records: AuditRecord[] = [];
  before(async () => {
    host = await startMetricsHost();
    host.runtime.audit.onRecord((r) => void records.push(r));
  });
  after(async () => {
    await host.stop();
  });

  it('decisions, latency buckets, audit appends and tasks move by exactly what the requests did', async () => {
    const alice = await host.connect('alice');
    const bob = await host.connect('bob');
    const before = await scrape(host.base);
    const seen = records.length;

    await alice.callTool({ name: 'lookup', arguments: { q: 'refund' } });
    const converted = await createTask(alice, 'convert_document', { source: SAMPLE_PATH, to: 'html' });
    await waitFor(alice, converted.taskId, 'completed');
    const publication = await createTask(alice, 'approve_publication', { source: SAMPLE_PATH });
    await waitFor(alice, publication.taskId, 'input_required');
    // Bob asks for alice's task: denied, and answered as a missing one.
    await assert.rejects(getTask(bob, publication.taskId), McpError);
    await alice.request({ method: 'tasks/cancel', params: { taskId: publication.taskId } }, CancelTaskResultSchema);

    const afterwards = await scrapeUntil(host.base, (e) => e.value('taskguard_tasks_running') === 0);
    const made = records.slice(seen);
    const delta = (name: string, labels: Record<string, string>): number => afterwards.value(name, labels) - before.value(name, labels);

    // Every decision record of the audit log is one count, under its operation and outcome; nothing else moved.
    for (const op of OPERATIONS) {
      for (const outcome of ['allow', 'deny', 'error']) {
        const audited = made.filter((r) => r.kind === 'decision' && r.op === op && (outcome === 'allow' ? r.allow : !r.allow) && (outcome === 'error') === (r.error !== undefined)).length;
        assert.equal(delta(DECISIONS, { op, wire: '2025-11-25', outcome }), audited, `${op} ${outcome}`);
        assert.equal(delta(DECISIONS, { op, wire: '2026-07-28', outcome }), 0, `${op} ${outcome} on the other wire`);
      }
    }
    assert.equal(delta(DECISIONS, { op: 'call', wire: '2025-11-25', outcome: 'allow' }), 1);
    assert.equal(delta(DECISIONS, { op: 'create', wire: '2025-11-25', outcome: 'allow' }), 2);
    assert.equal(delta(DECISIONS, { op: 'cancel', wire: '2025-11-25', outcome: 'allow' }), 1);
    assert.equal(delta(DECISIONS, { op: 'get', wire: '2025-11-25', outcome: 'deny' }), 1);
    assert.ok(delta(DECISIONS, { op: 'get', wire: '2025-11-25', outcome: 'allow' }) >= 2);

    // The histogram counts the same decisions, in cumulative buckets at the documented bounds, in seconds.
    for (const op of OPERATIONS) {
      const decided = afterwards.sum(DECISIONS, { op });
      const buckets = afterwards.series(`${LATENCY}_bucket`, { op });
      assert.deepEqual(buckets.map((b) => b.labels['le']), [...DECISION_BUCKETS_S.map(String), '+Inf']);
      for (let i = 1; i < buckets.length; i++) assert.ok((buckets[i]?.value ?? 0) >= (buckets[i - 1]?.value ?? 0), `${op} buckets are cumulative`);
      assert.equal(buckets.at(-1)?.value, decided);
      assert.equal(afterwards.value(`${LATENCY}_count`, { op }), decided);
      const sum = afterwards.value(`${LATENCY}_sum`, { op });
      assert.ok(decided === 0 ? sum === 0 : sum > 0 && sum < decided * 0.01, `${op} sum ${sum} s over ${decided}`);
    }
    assert.equal(afterwards.types.get(LATENCY), 'histogram');
    assert.equal(afterwards.types.get(DECISIONS), 'counter');

    // Every record the log took is one append; one append in AUDIT_TIMING_SAMPLE is timed.
    const appendsBefore = before.value('taskguard_audit_appends_total');
    assert.equal(afterwards.value('taskguard_audit_appends_total') - appendsBefore, made.length);
    const sampled = (appends: number): number => Math.floor(appends / AUDIT_TIMING_SAMPLE);
    assert.equal(afterwards.value('taskguard_audit_append_duration_seconds_count') - before.value('taskguard_audit_append_duration_seconds_count'),
      sampled(appendsBefore + made.length) - sampled(appendsBefore));
    assert.equal(afterwards.value('taskguard_audit_append_failures_total'), 0);
    assert.equal(afterwards.value('taskguard_audit_writable'), 1);

    // Tasks: two created, one completed, one cancelled, none running.
    assert.equal(delta('taskguard_tasks_created_total', {}), 2);
    assert.equal(delta('taskguard_tasks_ended_total', { status: 'completed' }), 1);
    assert.equal(delta('taskguard_tasks_ended_total', { status: 'cancelled' }), 1);
    assert.equal(delta('taskguard_tasks_ended_total', { status: 'failed' }), 0);
    assert.equal(afterwards.value('taskguard_tasks_running'), 0);
    assert.equal(afterwards.types.get('taskguard_tasks_running'), 'gauge');
  });

  it('a task waiting for input counts as running until it ends', async () => {
    const carol = await host.connect('carol');
    const task = await createTask(carol, 'approve_publication', { source: SAMPLE_PATH });
    await waitFor(carol, task.taskId, 'input_required');
    assert.equal((await scrape(host.base)).value('taskguard_tasks_running'), 1);
    await carol.request({ method: 'tasks/cancel', params: { taskId: task.taskId } }, CancelTaskResultSchema);
    assert.equal((await scrapeUntil(host.base, (e) => e.value('taskguard_tasks_running') === 0)).value('taskguard_tasks_running'), 0);
  });

  it('counts the 2026-07-28 wire apart, and a request not declaring the tasks extension as the guard\'s own refusal', async () => {
    const token = await host.token('erin');
    const before = await scrape(host.base);
    resultOf(await rpc2026(host.url, token, 'tools/call', { name: 'lookup', arguments: { q: 'refund' } }));
    const refused = await rpc2026(host.url, token, 'tasks/get', { taskId: 'any' }, { declared: false });
    assert.ok(refused.body.error);
    const afterwards = await scrape(host.base);
    const delta = (name: string, labels: Record<string, string>): number => afterwards.value(name, labels) - before.value(name, labels);
    assert.equal(delta(DECISIONS, { op: 'call', wire: '2026-07-28', outcome: 'allow' }), 1);
    assert.equal(afterwards.sum(DECISIONS) - before.sum(DECISIONS), 1);
    assert.equal(delta('taskguard_refusals_total', { op: 'get', reason: 'tasks_not_declared' }), 1);
    assert.equal(afterwards.sum('taskguard_refusals_total') - before.sum('taskguard_refusals_total'), 1);
  });

  it('many distinct principals add no series, and no label carries who they were', async () => {
    const before = await scrape(host.base);
    const names = Array.from({ length: 25 }, (_, i) => `principal-${i}-x7q`);
    for (const [i, sub] of names.entries()) {
      const client = await host.connect(sub, `tenant-${i}-x7q`);
      await client.callTool({ name: 'lookup', arguments: { q: 'refund' } });
    }
    const afterwards = await scrape(host.base);
    const keys = (e: Exposition): string[] => e.samples.filter((s) => s.name.startsWith('taskguard_')).map((s) => `${s.name}${JSON.stringify(s.labels)}`).sort();
    assert.deepEqual(keys(afterwards), keys(before));
    assert.equal(afterwards.value(DECISIONS, { op: 'call', wire: '2025-11-25', outcome: 'allow' }) - before.value(DECISIONS, { op: 'call', wire: '2025-11-25', outcome: 'allow' }), names.length);
    const labelValues = afterwards.samples.flatMap((s) => Object.values(s.labels)).join('\n');
    assert.doesNotMatch(labelValues, /x7q|lookup|reports-agent/);
  });
});
