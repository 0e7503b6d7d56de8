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
