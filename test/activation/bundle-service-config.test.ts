import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { openBundleService } from '../../src/activation/bundle-service.js';
import { pollDelayMs, retryDelayMs } from '../../src/activation/bundle-service-delay.js';
import { MAX_RETRY_AFTER_MS, retryAfterMsOf } from '../../src/activation/bundle-service-request.js';
import { loadHostConfig, type HostConfig } from '../../src/config/host-config.js';
import { TaskguardError } from '../../src/errors.js';
import { tempDir } from '../support/temp-policy.js';

function load(policy: Record<string, unknown>, extra: Record<string, unknown> = {}): HostConfig {
  const file = path.join(tempDir('taskguard-service-config-'), 'taskguard.yaml');
  writeFileSync(file, stringify({ state_dir: 'state', store: { kind: 'memory' }, policy, ...extra }));
  return loadHostConfig(file);
}

function rejection(policy: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  try {
    load(policy, extra);
  } catch (err) {
    assert.ok(err instanceof TaskguardError && err.code === 'config_invalid', String(err));
    return err.message;
  }
  assert.fail('expected the config to be refused');
}

const keys = { keys: { ci: { key_file: 'ci.pub.pem', algorithm: 'ES256' } } };

describe('policy.service in the host config', () => {
  it('takes OPA\'s defaults: resource bundles/<name>, polls every 60 to 120 s, no credentials', () => {
    assert.deepEqual(load({ service: { url: 'https://bundles.example.com/v1' } }).policy.service, {
      url: 'https://bundles.example.com/v1', bundle: 'taskguard', resource: 'bundles/taskguard', headersEnv: {},
      polling: { minDelayMs: 60_000, maxDelayMs: 120_000 },
    });
  });

  it('names credentials by environment variable and reads OPA\'s polling keys', () => {
    const config = load({
      service: {
        url: 'https://bundles.example.com', bundle: 'authz', credentials: { bearer: { token_env: 'BUNDLE_TOKEN' } }, headers_env: { 'X-Api-Key': 'BUNDLE_KEY' },
        polling: { min_delay_seconds: 5, max_delay_seconds: 10, long_polling_timeout_seconds: 30 },
      },
    });
    assert.deepEqual(config.policy.service, {
      url: 'https://bundles.example.com', bundle: 'authz', resource: 'bundles/authz', bearer: { tokenEnv: 'BUNDLE_TOKEN', scheme: 'Bearer' },
      headersEnv: { 'X-Api-Key': 'BUNDLE_KEY' }, polling: { minDelayMs: 5000, maxDelayMs: 10_000, longPollingTimeoutS: 30 },
    });
  });

  it('reports every problem by its path, and never takes a token in the file', () => {
    // Three configs: a message stops at 500 characters.
    const first = rejection({ service: { url: 'https://user:pw@bundles.example.com', credentials: { bearer: { token: 'abc', token_env: 'not a name' } } } });
    for (const problem of [
      /policy\.service\.url: must not carry credentials/,
      /policy\.service\.credentials\.bearer\.token: a token never goes in the config file/, /policy\.service\.credentials\.bearer\.token_env: must be an environment variable name/,
    ]) assert.match(first, problem);
    assert.doesNotMatch(first, /abc|pw@/);
    const second = rejection({ service: { url: 'https://bundles.example.com', bundle: '../up', headers_env: { 'Bad Header': 'X', 'X-Key': 'also bad' }, extra: 1 } });
    for (const problem of [
      /policy\.service\.bundle: must be a plain name/, /policy\.service\.extra: unknown key/,
      /policy\.service\.headers_env\.Bad Header: is not a header name/, /policy\.service\.headers_env\.X-Key: must be an environment variable name/,
    ]) assert.match(second, problem);
    const third = rejection({ service: { url: 'https://bundles.example.com', polling: { min_delay_seconds: 30, max_delay_seconds: 10, long_polling_timeout_seconds: 0 } } });
    assert.match(third, /policy\.service\.polling\.max_delay_seconds: must not be below min_delay_seconds/);
    assert.match(third, /policy\.service\.polling\.long_polling_timeout_seconds: must be a whole number 1\.\.3600/);
  });

  it('plain http only to loopback, or for signed bundles with no credentials to leak', () => {
    assert.match(rejection({ service: { url: 'http://bundles.internal/v1' } }), /policy\.service\.url: must be https unless the bundles are signed/);
    assert.match(rejection({ service: { url: 'http://bundles.internal/v1', credentials: { bearer: { token_env: 'T' } } }, verification: keys }),
      /policy\.service\.url: credentials go over https only/);
    assert.equal(load({ service: { url: 'http://bundles.internal/v1' }, verification: keys }).policy.service?.url, 'http://bundles.internal/v1');
    assert.equal(load({ service: { url: 'http://127.0.0.1:8181', credentials: { bearer: { token_env: 'T' } } } }).policy.service?.bearer?.tokenEnv, 'T');
  });

  it('is the whole policy: no bundle, data file or watch beside it, and no conformance data', () => {
    const message = rejection({ service: { url: 'https://b.example' }, bundle: 'build', data: 'data.yaml', watch: true });
    assert.match(message, /policy\.bundle: cannot be set with policy\.service/);
    assert.match(message, /policy\.data: cannot be set with policy\.service/);
    assert.match(message, /policy\.watch: has nothing to watch with policy\.service/);
    assert.match(rejection({ service: { url: 'https://b.example' } }, { demo: { tools: 'conformance' } }), /demo\.tools: conformance needs its own policy data/);
  });

  it('stops the host at start when a named variable is unset or unsendable, naming the variable and never the value', async () => {
    const { service } = load({ service: { url: 'https://b.example', credentials: { bearer: { token_env: 'BUNDLE_TOKEN' } } } }).policy;
    assert.ok(service);
    const open = (env: Record<string, string>): Promise<unknown> => openBundleService({
      config: service, verification: undefined, stateDir: tempDir(), userAgent: 'taskguard/test', log: () => {}, env,
    });
    await assert.rejects(open({}), /policy\.service\.credentials\.bearer\.token_env: environment variable BUNDLE_TOKEN is not set/);
    await assert.rejects(open({ BUNDLE_TOKEN: 'secret\r\nX-Injected: 1' }), (err: unknown) => {
      assert.ok(err instanceof TaskguardError && err.code === 'config_invalid');
      assert.match(err.message, /environment variable BUNDLE_TOKEN holds characters a header cannot carry/);
      assert.doesNotMatch(err.message, /secret|Injected/);
      return true;
    });
  });
});

describe('poll delays', () => {
  it('retries as OPA does: 100 ms x 1.6 per failure, jitter within 20%, never above the maximum', () => {
    assert.deepEqual([1, 2, 3, 4, 5].map((n) => retryDelayMs(n, 60_000, () => 0.5)), [160, 256, 410, 655, 1049]);
    assert.equal(retryDelayMs(1, 60_000, () => 0), 128);
    assert.equal(retryDelayMs(1, 60_000, () => 1), 192);
    assert.equal(retryDelayMs(40, 2000, () => 1), 2000);
    assert.equal(retryDelayMs(40, 2000, () => 0), 1600);
  });

  it('polls periodically at a uniform delay between the minimum and the maximum', () => {
    assert.deepEqual([0, 0.5, 1].map((r) => pollDelayMs(60_000, 120_000, () => r)), [60_000, 90_000, 120_000]);
  });
});

describe('Retry-After (RFC 9110 section 10.2.3)', () => {
  const now = Date.parse('2026-12-01T12:00:00Z');
  it('reads delay-seconds and an HTTP date; a date in the past is now', () => {
    assert.equal(retryAfterMsOf('120', now), 120_000);
    assert.equal(retryAfterMsOf(' 0 ', now), 0);
    assert.equal(retryAfterMsOf('Tue, 01 Dec 2026 12:00:30 GMT', now), 30_000);
    assert.equal(retryAfterMsOf('Tue, 01 Dec 2026 11:00:00 GMT', now), 0);
    // The obsolete forms a recipient must still accept (RFC 9110 section 5.6.7).
    assert.equal(retryAfterMsOf('Tuesday, 01-Dec-26 12:01:00 GMT', now), 60_000);
    assert.equal(retryAfterMsOf('Tue Dec  1 12:02:00 2026', now), 120_000);
  });

  it('ignores what is neither, and never waits more than an hour', () => {
    for (const value of [null, '', 'soon', '-5', '1.5', '12abc']) assert.equal(retryAfterMsOf(value, now), undefined, String(value));
    assert.equal(retryAfterMsOf('999999999', now), MAX_RETRY_AFTER_MS);
    assert.equal(retryAfterMsOf('Fri, 01 Jan 2100 00:00:00 GMT', now), MAX_RETRY_AFTER_MS);
  });
});
