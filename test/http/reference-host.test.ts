import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadHostConfig } from '../../src/config/host-config.js';
import { mintDevToken } from '../../src/host/dev-identity.js';
import { createHostRuntime, createReferenceHttp, type HostRuntime } from '../../src/host/reference-host.js';
import type { HttpHost } from '../../src/http/host.js';
import { freePort } from '../e2e/support/host-process.js';
import { INITIALIZE, MCP_POST_HEADERS, rawRequest } from '../e2e/support/http.js';
import { tempDir } from '../support/temp-policy.js';

/** The reference host's HTTP side built from a config file, as `taskguard serve` builds it, in this process. */
async function startReferenceHost(config: Record<string, unknown>): Promise<{ url: string; runtime: HostRuntime; http: HttpHost }> {
  const dir = tempDir('taskguard-http-reference-');
  const file = path.join(dir, 'taskguard.yaml');
  writeFileSync(file, stringify({ state_dir: 'state', store: { kind: 'memory' }, ...config }));
  const runtime = await createHostRuntime(loadHostConfig(file), () => {});
  const http = createReferenceHttp(runtime);
  return { url: await http.listen(), runtime, http };
}

async function stop(host: { runtime: HostRuntime; http: HttpHost }): Promise<void> {
  await host.http.close();
  await host.runtime.settle(() => {});
}

describe('the reference host checks Origin against listen.allowed_origins', () => {
  let port: number;
  let host: Awaited<ReturnType<typeof startReferenceHost>>;
  before(async () => {
    port = await freePort();
    host = await startReferenceHost({ listen: { port, public_url: 'https://mcp.example.com/mcp', allowed_hosts: [`127.0.0.1:${port}`] } });
  });
  after(async () => {
    await stop(host);
  });

  it('by default: the loopback origins of its port and public_url\'s origin pass on to authentication, others get 403', async () => {
    const post = (origin: string): Promise<number> => rawRequest({
      url: host.url, method: 'POST', headers: { ...MCP_POST_HEADERS, origin }, body: JSON.stringify(INITIALIZE),
    }).then((r) => r.status);
    assert.equal(await post('https://mcp.example.com'), 401);
    assert.equal(await post(`http://localhost:${port}`), 401);
    assert.equal(await post('https://evil.example'), 403);
  });
});

describe('the reference host applies the sessions config', () => {
  let host: Awaited<ReturnType<typeof startReferenceHost>>;
  before(async () => {
    const port = await freePort();
    host = await startReferenceHost({ listen: { port }, sessions: { idle_timeout_ms: 1000, max_per_principal: 1, max_total: 5 } });
  });
  after(async () => {
    await stop(host);
  });

  it('a second session of one identity is refused (429), and the first one expires after idle_timeout_ms', async () => {
    const token = await mintDevToken(host.runtime.config, { sub: 'alice', tenant: 'acme', client: 'reports-agent', scopes: ['reports:read'], roles: ['analyst'], ttlS: 300 });
    const initialize = (): Promise<number> => rawRequest({
      url: host.url, method: 'POST', headers: { ...MCP_POST_HEADERS, host: new URL(host.url).host, authorization: `Bearer ${token}` }, body: JSON.stringify(INITIALIZE),
    }).then((r) => r.status);
    assert.equal(await initialize(), 200);
    assert.equal(await initialize(), 429);
    const until = Date.now() + 10_000;
    while (host.http.sessions() > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    assert.equal(host.http.sessions(), 0, 'the idle session was not reclaimed');
    assert.equal(await initialize(), 200);
  });
});
