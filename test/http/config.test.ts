import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadHostConfig } from '../../src/config/host-config.js';
import { TaskguardError } from '../../src/errors.js';
import { tempDir } from '../support/temp-policy.js';

function load(yaml: string): ReturnType<typeof loadHostConfig> {
  const file = path.join(tempDir('taskguard-listen-config-'), 'taskguard.yaml');
  writeFileSync(file, yaml);
  return loadHostConfig(file);
}

/** Asserts that `yaml` is refused as config_invalid with a message matching `message`. */
function assertRefused(yaml: string, message: RegExp): void {
  assert.throws(() => load(yaml), (err) => err instanceof TaskguardError && err.code === 'config_invalid' && message.test(err.message));
}

describe('listen.allowed_origins', () => {
  it('defaults to the loopback origins of the port and public_url\'s origin', () => {
    assert.deepEqual(loadHostConfig().listen.allowedOrigins, ['http://127.0.0.1:8787', 'http://localhost:8787', 'http://[::1]:8787']);
    assert.deepEqual(load('listen: {port: 9000, public_url: "https://mcp.example.com/mcp"}').listen.allowedOrigins,
      ['http://127.0.0.1:9000', 'http://localhost:9000', 'http://[::1]:9000', 'https://mcp.example.com']);
  });

  it('takes a list of origins, written as browsers send them', () => {
    assert.deepEqual(load('listen: {allowed_origins: ["HTTPS://App.Example.com:443/", "http://localhost:3000"]}').listen.allowedOrigins,
      ['https://app.example.com', 'http://localhost:3000']);
  });

  it('refuses what is not an http(s) origin, naming the path', () => {
    assertRefused('listen: {allowed_origins: ["app.example.com"]}', /listen\.allowed_origins: `app\.example\.com` is not an http\(s\) origin/);
    assertRefused('listen: {allowed_origins: ["file:///tmp"]}', /listen\.allowed_origins: `file:\/\/\/tmp` is not an http\(s\) origin/);
    assertRefused('listen: {allowed_origins: "https://app.example.com"}', /listen\.allowed_origins: must be a list of non-empty strings/);
  });
});

describe('sessions', () => {
  it('defaults to a 30 minute idle timeout, 16 sessions per principal and 1000 in all', () => {
    assert.deepEqual(loadHostConfig().sessions, { idleTimeoutMs: 1_800_000, maxPerPrincipal: 16, maxTotal: 1000 });
  });

  it('takes each of its keys', () => {
    assert.deepEqual(load('sessions: {idle_timeout_ms: 60000, max_per_principal: 4, max_total: 50}').sessions, { idleTimeoutMs: 60_000, maxPerPrincipal: 4, maxTotal: 50 });
    assert.deepEqual(load('sessions: {max_total: 50}').sessions, { idleTimeoutMs: 1_800_000, maxPerPrincipal: 16, maxTotal: 50 });
  });

  it('refuses bad values and unknown keys, naming the path', () => {
    assertRefused('sessions: {idle_timeout_ms: 10}', /sessions\.idle_timeout_ms: must be a whole number 1000\.\.604800000/);
    assertRefused('sessions: {max_per_principal: 0}', /sessions\.max_per_principal: must be a whole number 1\.\.100000/);
    assertRefused('sessions: {max_total: 1.5}', /sessions\.max_total: must be a whole number 1\.\.1000000/);
    assertRefused('sessions: {idle_timeout_s: 60}', /sessions\.idle_timeout_s: unknown key/);
    assertRefused('sessions: 5', /sessions: must be a mapping/);
  });
});
