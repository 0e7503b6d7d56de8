import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { loadHostConfig } from '../../src/config/host-config.js';
import { backoffMs, periodMs } from '../../src/decision-log/backoff.js';
import { packageRoot } from '../../src/util/paths.js';
import { tempDir } from '../support/temp-policy.js';

function configFrom(decisionLogs: unknown): ReturnType<typeof loadHostConfig> {
  const dir = tempDir('taskguard-declog-config-');
  const file = path.join(dir, 'taskguard.yaml');
  writeFileSync(file, stringify({ state_dir: 'state', decision_logs: decisionLogs }));
  return loadHostConfig(file);
}

describe('decision_logs in the host config', () => {
  it('is off by default', () => {
    assert.equal(loadHostConfig().decisionLogs, undefined);
  });

  it('defaults: task ids hashed, OPA\'s 32 KiB upload limit, bounded buffers, /logs on the service url', () => {
    const config = configFrom({ file: 'decisions.jsonl', service: { url: 'https://collector.example/' } });
    const dir = path.dirname(config.source);
    assert.deepEqual(config.decisionLogs, {
      file: path.join(dir, 'state', 'decisions.jsonl'),
      service: { uploadUrl: 'https://collector.example/logs', timeoutMs: 10_000 },
      reporting: { minDelayMs: 5000, maxDelayMs: 10_000, uploadSizeLimitBytes: 32_768, bufferSizeLimitBytes: 16_777_216, bufferSizeLimitEvents: 10_000 },
      mask: { hash: ['/input/task/id'], erase: [] },
      labels: {},
    });
  });

  // Error messages are capped at 500 characters: a few problems per config, so every one is in the message.
  const cases: Array<[unknown, string[]]> = [
    [{ console: 'stdlog', sinks: [], service: { url: 'ftp://x', resource: 'logs', token_env: 'not a name' } }, [
      'decision_logs.console: must be stderr or stdout',
      'decision_logs.sinks: unknown key',
      'decision_logs.service.url: must be an http(s) url',
      'decision_logs.service.resource: must start with /',
      'decision_logs.service.token_env: must be an environment variable name',
    ]],
    [{ file: 'd.jsonl', reporting: { upload_size_limit_bytes: 10, min_delay_seconds: 5, max_delay_seconds: 1 }, labels: { id: 'mine', team: 7 } }, [
      'decision_logs.reporting.upload_size_limit_bytes: must be a whole number 90..4294967296',
      'decision_logs.reporting.max_delay_seconds: must not be less than min_delay_seconds',
      'decision_logs.labels.id: is set by the host',
      'decision_logs.labels.team: must be a string',
    ]],
    [{ console: 'stderr', reporting: { max_decisions_per_second: 0 } }, ['decision_logs.reporting.max_decisions_per_second: must be a number of events a second above 0']],
    [{ console: 'stderr', reporting: { max_decisions_per_second: 'fast' } }, ['decision_logs.reporting.max_decisions_per_second: must be a number of events a second above 0']],
    [{ console: 'stderr', mask: { erase: ['/principal/sub', 'input/x'], hash: 'task' } }, [
      'decision_logs.mask.erase: `/principal/sub`: mask prefix not allowed: principal',
      'decision_logs.mask.erase: `input/x`: mask must be slash-prefixed',
      'decision_logs.mask.hash: must be a list of json pointers',
    ]],
  ];
  for (const [raw, problems] of cases) {
    it(`every problem at once, each under its path: ${problems.map((p) => p.split(':')[0]).join(', ')}`, () => {
      assert.throws(() => configFrom(raw), (err: Error) => {
        for (const expected of problems) assert.ok(err.message.includes(expected), `missing: ${expected}\nin: ${err.message}`);
        return true;
      });
    });
  }

  it('max_decisions_per_second: OPA\'s key, a fraction allowed, absent by default', () => {
    assert.equal(configFrom({ console: 'stderr', reporting: { max_decisions_per_second: 0.5 } }).decisionLogs?.reporting.maxDecisionsPerSecond, 0.5);
    assert.equal(configFrom({ console: 'stderr' }).decisionLogs?.reporting.maxDecisionsPerSecond, undefined);
  });

  it('the example in docs/DECISION-LOGS.md is a valid config', () => {
    const doc = readFileSync(path.join(packageRoot, 'docs', 'DECISION-LOGS.md'), 'utf8');
    const block = /```yaml\n(decision_logs:[\s\S]*?)```/.exec(doc)?.[1];
    assert.ok(block);
    const config = configFrom((parse(block) as { decision_logs: unknown }).decision_logs);
    assert.equal(config.decisionLogs?.service?.uploadUrl, 'https://collector.example/logs');
    assert.deepEqual(config.decisionLogs?.labels, { region: 'eu-1' });
  });

  it('a section with no sink is refused rather than silently logging nothing', () => {
    assert.throws(() => configFrom({ mask: { erase: [] } }), /decision_logs: needs at least one of console, file, service/);
  });
});

describe('upload timing', () => {
  it('backoff doubles from the base up to the max, jittered between half and all of it', () => {
    assert.deepEqual([0, 1, 2, 3, 10].map((n) => backoffMs(n, 100, 1000, () => 1)), [100, 200, 400, 800, 1000]);
    assert.deepEqual([0, 1, 2, 3, 10].map((n) => backoffMs(n, 100, 1000, () => 0)), [50, 100, 200, 400, 500]);
    assert.equal(periodMs(5000, 10_000, () => 0.5), 7500);
  });
});
