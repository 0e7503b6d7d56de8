import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CallToolResultSchema, ListTasksResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { connect, createTask, getTask } from '../e2e/support/sdk.js';
import { pollUntil, startHost, type HostProcess } from '../e2e/support/host-process.js';
import { assertEventV1, readEvents, startCollector, type Collector } from './support.js';

/**
 * `taskguard serve` as a process, with decision_logs to a file and to an OPA-compatible collector, driven by
 * the TypeScript SDK client. The upload delay is an hour: what the collector gets, it gets from the flush on
 * shutdown (SIGTERM -> settle).
 */
describe('a running host ships its decisions to an OPA log service and a file', () => {
  let collector: Collector;
  let host: HostProcess;
  const clients: Client[] = [];
  before(async () => {
    collector = await startCollector();
    host = await startHost({
      config: {
        store: { kind: 'memory' },
        decision_logs: {
          file: 'decisions.jsonl',
          service: { url: collector.url },
          reporting: { min_delay_seconds: 3600, max_delay_seconds: 3600 },
          labels: { region: 'test-1' },
        },
      },
    });
  });
  after(async () => {
    for (const client of clients) await client.close().catch(() => {});
    await host.dispose();
    await collector.close();
  });

  it('every audited decision arrives once, with its decision_id, in EventV1, task ids hashed; the file holds the same', async () => {
    const alice = await connect(host.url, await host.token({ sub: 'alice', scope: 'reports:read docs:convert', role: 'analyst' }), clients);
    const created = await createTask(alice, 'convert_document', { source: 'docs/handbook.md', to: 'html' });
    await pollUntil('completion', async () => ((await getTask(alice, created.taskId)).status === 'completed' ? true : undefined));
    await alice.request({ method: 'tasks/result', params: { taskId: created.taskId } }, CallToolResultSchema);
    await alice.request({ method: 'tasks/list', params: {} }, ListTasksResultSchema);
    await alice.callTool({ name: 'lookup', arguments: { q: 'revenue' } });
    for (const client of clients.splice(0)) await client.close();
    assert.equal(collector.uploads.length, 0, 'nothing before the delay or the shutdown');

    const stopped = await host.stop();
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.ok(!stopped.stdout.includes('decision_id'), 'no console sink configured');
    assert.match(stopped.stderr, /decision logs to file \S+decisions\.jsonl, service http:\/\/127\.0\.0\.1:\d+\/logs; \/input\/task\/id hashed\n/);

    const audited = readFileSync(host.auditFile, 'utf8').split('\n').filter(Boolean)
      .map((l) => JSON.parse(l) as { kind: string; decision_id?: string; task_id?: string | null; policy_revision: string })
      .filter((r) => r.kind === 'decision');
    assert.ok(audited.length >= 5);
    const uploaded = collector.events();
    assert.deepEqual(uploaded.map((e) => e.decision_id).sort(), audited.map((r) => r.decision_id).sort());
    assert.deepEqual(readEvents(path.join(host.stateDir, 'decisions.jsonl')), uploaded, 'the file and the service got the same events');
    for (const event of uploaded) {
      assertEventV1(event);
      assert.equal(event.labels['region'], 'test-1');
      assert.equal(event.bundles?.['taskguard']?.revision, audited.find((r) => r.decision_id === event.decision_id)?.policy_revision);
    }
    assert.equal(new Set(uploaded.map((e) => e.labels.id)).size, 1, 'one instance id');
    assert.ok(!JSON.stringify(uploaded).includes(created.taskId), 'the task id left the host');
    assert.ok(uploaded.some((e) => (e.input as { task?: { id: string } }).task?.id.startsWith('sha256:')));
  });
});
