import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { loadDecider } from '../../src/decision/engine.js';
import { fixedPolicy } from '../../src/decision/policy-handle.js';
import type { DecisionInput } from '../../src/decision/types.js';
import { decisionLogConfig } from '../../src/decision-log/config.js';
import type { DecisionLog } from '../../src/decision-log/decision-log.js';
import { openDecisionLog } from '../../src/decision-log/open.js';
import { tempDir } from '../support/temp-policy.js';
import { assertEventV1, startCollector, waitFor, type Collector } from './support.js';

const decider = loadDecider();
const policy = fixedPolicy(decider);

/** `count` real decisions of the committed policy reported to `log` as the guard reports them; their ids. */
function observe(log: DecisionLog, count: number, sub = (i: number) => `user-${i}-${randomBytes(6).toString('hex')}`): string[] {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const input: DecisionInput = {
      op: 'call', wire: '2025-11-25', now_ms: Date.now(), tool: { name: 'lookup' }, request: { tasks_declared: false },
      principal: { sub: sub(i), tenant: 'acme', client_id: 'reports-agent', scopes: ['reports:read'], roles: ['analyst'], acr: '', auth_time_ms: 0 },
    };
    const decisionId = randomUUID();
    ids.push(decisionId);
    log.observer.decided?.({
      decisionId, input, decision: decider.decide(input), policyRevision: decider.revision, dataRevision: decider.dataRevision, timeMs: input.now_ms, evalNs: 8000,
    });
  }
  return ids;
}

/** A decision log shipping to `collector` through the host's own config path. */
function serviceLog(collector: Collector, reporting: Record<string, number>, extra: Record<string, unknown> = {}): { log: DecisionLog; lines: string[] } {
  const problems: string[] = [];
  const config = decisionLogConfig({ service: { url: collector.url, ...extra }, reporting: { min_delay_seconds: 0.02, max_delay_seconds: 0.1, ...reporting } }, tempDir(), (p, m) => problems.push(`${p}: ${m}`));
  assert.deepEqual(problems, []);
  assert.ok(config);
  const lines: string[] = [];
  const log = openDecisionLog(config, { policy, instanceId: 'host-1', version: '9.9.9', log: (l) => lines.push(l), env: { COLLECTOR_TOKEN: 'tok-123' } });
  return { log, lines };
}

describe('the HTTP service sink, against an OPA-compatible collector on 127.0.0.1', () => {
  let collector: Collector;
  before(async () => {
    collector = await startCollector();
  });
  after(async () => {
    await collector.close();
  });

  it('POSTs gzip\'d JSON arrays of EventV1 to {url}/logs with OPA\'s headers, after the delay, off the decision path', async () => {
    collector.uploads.length = 0;
    collector.setStatus(() => 200);
    const { log } = serviceLog(collector, {}, { token_env: 'COLLECTOR_TOKEN' });
    const ids = observe(log, 3);
    assert.equal(collector.uploads.length, 0, 'nothing is sent while the decision is made');
    await waitFor('the upload', () => (log.stats().uploaded === 3 ? true : undefined));
    const [upload] = collector.uploads;
    assert.equal(upload?.headers['content-encoding'], 'gzip');
    assert.equal(upload?.headers['content-type'], 'application/json');
    assert.equal(upload?.headers['user-agent'], 'taskguard/9.9.9');
    assert.equal(upload?.headers['authorization'], 'Bearer tok-123');
    assert.deepEqual(collector.events().map((e) => e.decision_id), ids);
    for (const event of collector.events()) assertEventV1(event);
    await log.close();
  });

  it('a 500 is retried with backoff until the service takes the events; one line when it fails, one when it resumes', async () => {
    collector.uploads.length = 0;
    collector.refused = 0;
    collector.setStatus((n) => (n < 3 ? 500 : 200));
    const { log, lines } = serviceLog(collector, {});
    const ids = observe(log, 5);
    await waitFor('delivery after the failures', () => (log.stats().uploaded === 5 ? true : undefined));
    assert.equal(collector.refused, 3);
    assert.deepEqual(collector.events().map((e) => e.decision_id), ids, 'every event once, in order');
    const stats = log.stats();
    assert.equal(stats.uploadFailures, 3);
    assert.equal(stats.uploaded, 5);
    assert.equal(stats.buffered, 0);
    assert.deepEqual(lines, [
      'decision log: upload failed, retrying with backoff: the service answered http 500',
      'decision log: uploads resumed after 3 failed attempt(s)',
    ]);
    await log.close();
  });

  it('requests stay under upload_size_limit_bytes compressed, in as many chunks as it takes; an event too large alone is dropped and counted', async () => {
    collector.uploads.length = 0;
    collector.setStatus(() => 200);
    const limit = 2048;
    const { log } = serviceLog(collector, { upload_size_limit_bytes: limit });
    const ids = observe(log, 200);
    // Random bytes do not compress: one such event cannot fit the limit.
    const huge = observe(log, 1, () => randomBytes(4096).toString('base64'));
    const more = observe(log, 20);
    await waitFor('all the uploads', () => (collector.events().length === 220 ? true : undefined));
    assert.ok(collector.uploads.length > 5, `${collector.uploads.length} uploads`);
    for (const upload of collector.uploads) assert.ok(upload.bytes <= limit, `an upload of ${upload.bytes} bytes`);
    assert.deepEqual(collector.events().map((e) => e.decision_id), [...ids, ...more]);
    assert.ok(!collector.events().some((e) => e.decision_id === huge[0]));
    assert.equal(log.stats().dropped.too_large, 1);
    await log.close();
  });

  it('while the service is down the buffer keeps the newest events: the oldest are dropped and counted, the rest delivered later', async () => {
    collector.uploads.length = 0;
    let down = true;
    collector.setStatus(() => (down ? 503 : 200));
    const { log } = serviceLog(collector, { buffer_size_limit_events: 5 });
    const first = observe(log, 4);
    await waitFor('a failed upload', () => (log.stats().uploadFailures > 0 ? true : undefined));
    const later = observe(log, 8);
    await new Promise((r) => setImmediate(r));
    assert.equal(log.stats().dropped.buffer_full, 7);
    assert.equal(log.stats().buffered, 5);
    down = false;
    await waitFor('delivery', () => (collector.events().length === 5 ? true : undefined));
    assert.deepEqual(collector.events().map((e) => e.decision_id), [...first, ...later].slice(-5));
    await log.close();
  });

  it('close() sends what is buffered without waiting for the timer', async () => {
    collector.uploads.length = 0;
    collector.setStatus(() => 200);
    const { log } = serviceLog(collector, { min_delay_seconds: 3600, max_delay_seconds: 3600 });
    const ids = observe(log, 4);
    await log.close();
    assert.deepEqual(collector.events().map((e) => e.decision_id), ids);
  });
});
