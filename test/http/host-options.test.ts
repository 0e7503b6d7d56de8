import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { loadDecider } from '../../src/decision/engine.js';
import { TaskguardError } from '../../src/errors.js';
import { createHttpHost, type HttpHostOptions } from '../../src/http/host.js';
import { createTokenVerifier, validateIdentityConfig } from '../../src/identity/index.js';
import { createTaskguard } from '../../src/wire/v2025/taskguard.js';

/** Misused options throw when the host is built, not at the first request. */
describe('createHttpHost options', () => {
  const guard = createTaskguard({ decider: loadDecider() });
  const verifier = createTokenVerifier(validateIdentityConfig({ issuer: 'https://issuer.example', audience: 'https://mcp.example/mcp', shared_secret: Buffer.alloc(32, 7).toString('base64url'), algorithms: ['HS256'] }));
  const build = (extra: Partial<HttpHostOptions>): unknown => createHttpHost({ verifier, guard, createMcpServer: () => new McpServer({ name: 't', version: '1' }), ...extra });
  const usage = (message: RegExp) => (err: unknown): boolean => err instanceof TaskguardError && err.code === 'usage' && message.test(err.message);

  it('refuses an allowed origin that is not an http(s) origin', () => {
    assert.throws(() => build({ allowedOrigins: ['app.example.com'] }), usage(/allowedOrigins: `app\.example\.com` is not an http\(s\) origin/));
  });

  it('refuses session limits that are not positive whole numbers', () => {
    assert.throws(() => build({ sessions: { idleTimeoutMs: 0 } }), usage(/sessions\.idleTimeoutMs: must be a whole number of at least 1, got 0/));
    assert.throws(() => build({ sessions: { maxTotal: Number.NaN } }), usage(/sessions\.maxTotal/));
    assert.throws(() => build({ sessions: { maxPerPrincipal: 2.5 } }), usage(/sessions\.maxPerPrincipal/));
  });

  it('builds with valid options, and closes without having listened', async () => {
    const host = build({ allowedOrigins: ['https://app.example.com'], sessions: { idleTimeoutMs: 1000, maxPerPrincipal: 1, maxTotal: 1 } }) as ReturnType<typeof createHttpHost>;
    assert.equal(host.sessions(), 0);
    await host.close();
    guard.close();
  });
});
