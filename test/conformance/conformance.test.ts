import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadHostConfig } from '../../src/config/host-config.js';
import { mintDevToken } from '../../src/host/dev-identity.js';
import { createHostRuntime, createReferenceHttp, type HostRuntime } from '../../src/host/reference-host.js';
import type { HttpHost } from '../../src/http/host.js';
import { freePort } from '../e2e/support/host-process.js';
import { tempDir } from '../support/temp-policy.js';
import { startAuthProxy, type AuthProxy } from './auth-proxy.js';
import { ensureRunner, runScenario } from './runner.js';
import { LEGACY_SCENARIOS, MODERN_SCENARIOS, type InScope } from './scenarios.js';

/** Whether the host serves 2026-07-28: it answers server/discover with a result, not a JSON-RPC error. */
async function answersDiscover(url: string): Promise<boolean> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'server/discover' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'server/discover', params: { _meta: {
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
      'io.modelcontextprotocol/clientInfo': { name: 'taskguard-conformance-probe', version: '1.0.0' },
      'io.modelcontextprotocol/clientCapabilities': {},
    } } }),
  });
  const text = await res.text();
  const json = text.split('\n').find((l) => l.startsWith('data:'))?.slice(5) ?? text;
  try {
    return res.ok && (JSON.parse(json) as { result?: unknown }).result !== undefined;
  } catch {
    return false;
  }
}

describe('the official MCP conformance suite against the reference host (demo: { tools: conformance })', { timeout: 600_000 }, () => {
  let runtime: HostRuntime;
  let host: HttpHost;
  let proxy: AuthProxy;
  let url: string;
  let modern = false;
  const outDir = tempDir('taskguard-conformance-results-');

  before(async () => {
    await ensureRunner();
    const port = await freePort();
    const stateDir = tempDir('taskguard-conformance-');
    // The proxy needs the token, the token needs the host's dev key and audience: so the proxy's port comes
    // first (its address is what the runner puts in Host and Origin), then the host, then the token.
    let token = '';
    proxy = await startAuthProxy({ host: '127.0.0.1', port }, () => token);
    const configFile = path.join(stateDir, 'host.yaml');
    writeFileSync(configFile, JSON.stringify({
      listen: { host: '127.0.0.1', port, allowed_hosts: [`127.0.0.1:${proxy.port}`, `localhost:${proxy.port}`], allowed_origins: [proxy.origin, `http://localhost:${proxy.port}`] },
      state_dir: stateDir, store: { kind: 'memory' }, demo: { tools: 'conformance' },
    }));
    const config = loadHostConfig(configFile);
    runtime = await createHostRuntime(config, () => {});
    host = createReferenceHttp(runtime);
    await host.listen();
    token = await mintDevToken(config, { sub: 'conformance', tenant: 'dev', client: 'conformance-runner', scopes: ['conformance:run'], roles: [], ttlS: 3600 });
    url = `${proxy.origin}${config.listen.path}`;
    modern = await answersDiscover(url);
  });

  after(async () => {
    await proxy?.close();
    await host?.close();
    await runtime?.settle(() => {});
  });

  const passes = (entry: InScope) => async () => {
    const checks = await runScenario(url, entry.scenario, entry.at, outDir);
    assert.ok(checks.length > 0, `${entry.scenario} at ${entry.at} ran no checks (results in ${path.join(outDir)})`);
    const failed = checks.filter((c) => c.status === 'FAILURE');
    assert.deepEqual(failed.map((c) => `${c.id}: ${c.errorMessage ?? ''}`), [], `${entry.scenario} at ${entry.at}`);
  };

  for (const entry of LEGACY_SCENARIOS) it(`${entry.scenario} at ${entry.at}`, passes(entry));

  for (const entry of MODERN_SCENARIOS) {
    it(`${entry.scenario} at ${entry.at}`, async () => {
      if (!modern) {
        assert.fail('the host does not answer server/discover: its 2026-07-28 leg is missing');
      }
      await passes(entry)();
    });
  }
});
