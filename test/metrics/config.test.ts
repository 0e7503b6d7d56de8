import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadHostConfig } from '../../src/config/host-config.js';
import { TaskguardError } from '../../src/errors.js';
import { tempDir } from '../support/temp-policy.js';

function load(yaml: string): ReturnType<typeof loadHostConfig> {
  const file = path.join(tempDir('taskguard-metrics-config-'), 'taskguard.yaml');
  writeFileSync(file, yaml);
  return loadHostConfig(file);
}

/** The config_invalid message for `yaml` (it must be refused). */
function refusal(yaml: string): string {
  try {
    load(yaml);
  } catch (err) {
    assert.ok(err instanceof TaskguardError && err.code === 'config_invalid', String(err));
    return err.message;
  }
  assert.fail(`accepted: ${yaml}`);
}

describe('the metrics and diagnostics config', () => {
  it('defaults: /metrics on, no process metrics, no diagnostic listener', () => {
    const config = loadHostConfig();
    assert.deepEqual(config.metrics, { enabled: true, processMetrics: false });
    assert.equal(config.diagnostics, undefined);
  });

  it('takes both sections, the diagnostic host defaulting to loopback', () => {
    const config = load('metrics: { enabled: false, process_metrics: true }\ndiagnostics: { listen: { port: 9464 } }\n');
    assert.deepEqual(config.metrics, { enabled: false, processMetrics: true });
    assert.deepEqual(config.diagnostics, { listen: { host: '127.0.0.1', port: 9464 } });
  });

  it('names the path of each problem, all at once', () => {
    const message = refusal('metrics: { enabled: "yes", scrape: 1 }\ndiagnostics: { listen: { host: "", port: 70000 }, tls: true }\n');
    for (const expected of [
      'metrics.enabled: must be true or false', 'metrics.scrape: unknown key (expected one of enabled, process_metrics)',
      'diagnostics.listen.host: must be a non-empty string', 'diagnostics.listen.port: must be a whole number 0..65535',
      'diagnostics.tls: unknown key (expected one of listen)',
    ]) assert.ok(message.includes(expected), `${expected} in: ${message}`);
  });

  it('refuses a diagnostic listener without a port, on the MCP port, or that is no mapping', () => {
    assert.match(refusal('diagnostics: {}\n'), /diagnostics\.listen: is required/);
    assert.match(refusal('diagnostics: { listen: { host: 127.0.0.1 } }\n'), /diagnostics\.listen\.port: must be a whole number/);
    assert.match(refusal('listen: { port: 9000 }\ndiagnostics: { listen: { port: 9000 } }\n'), /diagnostics\.listen\.port: must differ from listen\.port/);
    assert.match(refusal('metrics: true\n'), /metrics: must be a mapping/);
  });

  it('refuses an MCP path that /metrics would shadow, unless /metrics is elsewhere or off', () => {
    assert.match(refusal('listen: { path: /metrics }\n'), /listen\.path: cannot be \/metrics while \/metrics is served on the MCP port/);
    assert.equal(load('listen: { path: /metrics }\nmetrics: { enabled: false }\n').listen.path, '/metrics');
    assert.equal(load('listen: { path: /metrics }\ndiagnostics: { listen: { port: 9464 } }\n').listen.path, '/metrics');
  });
});
