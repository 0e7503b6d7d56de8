// Two reference hosts on one PostgreSQL task table, as behind a load balancer: the task counters of each
// host count what happened through it, so their sum over hosts is exact however the requests spread.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { CancelTaskResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { SAMPLE_PATH } from '../../src/host/demo-tools.js';
import { pollUntil } from '../e2e/support/host-process.js';
import { connect, createTask, getTask } from '../e2e/support/sdk.js';
import { describePostgres, TEST_URL, dropSchema, tempSchema } from '../stores/postgres-support.js';
import { tempDir } from '../support/temp-policy.js';
import { scrape, scrapeUntil } from './support/exposition.js';
import { startMetricsHost, type MetricsHost } from './support/host.js';

const PUBLIC_URL = 'http://mcp.taskguard.test/mcp';

describePostgres('task metrics of two hosts on one PostgreSQL', () => {
  const schema = tempSchema();
  let one: MetricsHost;
  let two: MetricsHost;
  before(async () => {
    process.env['TASKGUARD_METRICS_DATABASE_URL'] = TEST_URL;
    // One state folder: one dev key, so a token is good on both; one public url, the token's audience.
    const shared = {
      state_dir: tempDir('taskguard-metrics-pg-'), listen: { public_url: PUBLIC_URL },
      store: { kind: 'postgres', url_env: 'TASKGUARD_METRICS_DATABASE_URL', schema, lease_ms: 900 },
      // An audit chain each (named by host and port) in the shared database, not one file for two writers.
      audit: { kind: 'database' },
    };
    one = await startMetricsHost(shared);
    two = await startMetricsHost(shared);
  });
  after(async () => {
    await one?.stop();
    await two?.stop();
    await dropSchema(schema).catch(() => {});
  });

  it('a task created through one host and cancelled through the other is counted once each, where it happened', async () => {
    const token = await one.token('alice');
    const viaOne = await connect(one.url, token, []);
    const viaTwo = await connect(two.url, token, []);
    try {
      const [oneBefore, twoBefore] = [await scrape(one.base), await scrape(two.base)];
      const task = await createTask(viaOne, 'approve_publication', { source: SAMPLE_PATH });
      await scrapeUntil(one.base, (e) => e.value('taskguard_tasks_running') === 1);
      // Host two sees the task waiting (it reads the shared table), then cancels it.
      await pollUntil('input_required through host two', async () => ((await getTask(viaTwo, task.taskId)).status === 'input_required' ? true : undefined));
      await viaTwo.request({ method: 'tasks/cancel', params: { taskId: task.taskId } }, CancelTaskResultSchema);
      // Host one stops the work at its next lease pass, and records nothing: the end was host two's.
      const oneAfter = await scrapeUntil(one.base, (e) => e.value('taskguard_tasks_running') === 0);
      const twoAfter = await scrape(two.base);
      const delta = (after: typeof oneAfter, before: typeof oneAfter, name: string, labels: Record<string, string> = {}): number => after.value(name, labels) - before.value(name, labels);
      assert.equal(oneAfter.value('taskguard_tasks_running'), 0);
      assert.equal(delta(oneAfter, oneBefore, 'taskguard_tasks_created_total'), 1);
      assert.equal(delta(twoAfter, twoBefore, 'taskguard_tasks_created_total'), 0);
      assert.equal(delta(oneAfter, oneBefore, 'taskguard_tasks_ended_total', { status: 'cancelled' }), 0);
      assert.equal(delta(twoAfter, twoBefore, 'taskguard_tasks_ended_total', { status: 'cancelled' }), 1);
      assert.equal(twoAfter.value('taskguard_tasks_running'), 0);
      assert.equal(delta(oneAfter, oneBefore, 'taskguard_decisions_total', { op: 'cancel', wire: '2025-11-25', outcome: 'allow' })
        + delta(twoAfter, twoBefore, 'taskguard_decisions_total', { op: 'cancel', wire: '2025-11-25', outcome: 'allow' }), 1);
    } finally {
      await viaOne.close();
      await viaTwo.close();
    }
  });
});
