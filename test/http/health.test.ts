import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadHostConfig } from '../../src/config/host-config.js';
import { createHostRuntime, createReferenceHttp, type HostRuntime } from '../../src/host/reference-host.js';
import type { HttpHost } from '../../src/http/host.js';
import { tempDir } from '../support/temp-policy.js';

/** GET a path with an arbitrary Host header, as a probe addressing the pod would. */
async function probe(url: string, pathname: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(new URL(pathname, url), { headers: { host: '10.1.2.3:8080' } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('liveness and readiness of the reference host', () => {
  let runtime: HostRuntime;
  let http: HttpHost;
  let url: string;
  before(async () => {
    const dir = tempDir('taskguard-health-');
    const file = path.join(dir, 'host.yaml');
    writeFileSync(file, `state_dir: ${path.join(dir, 'state')}\nlisten: { port: 0 }\n`);
    runtime = await createHostRuntime(loadHostConfig(file), () => {});
    http = createReferenceHttp(runtime);
    url = await http.listen();
  });
  after(async () => {
    await http.close();
    await runtime.settle(() => {}).catch(() => {});
  });

  it('answers /livez and /readyz without a token and whatever the Host header, naming each check', async () => {
    assert.deepEqual(await probe(url, '/livez'), { status: 200, body: { status: 'ok' } });
    assert.deepEqual(await probe(url, '/readyz'), { status: 200, body: { status: 'ready', checks: { policy: true, store: true, audit: true, serving: true } } });
    // Anything else still goes through the Host check.
    assert.equal((await probe(url, '/mcp')).status, 403);
  });

  it('is not ready while draining or once the store fails, and says which, with no detail; live throughout', async () => {
    http.drain();
    assert.deepEqual(await probe(url, '/readyz'), { status: 503, body: { status: 'not ready', checks: { policy: true, store: true, audit: true, serving: false } } });
    // The host's SQLite store, closed under it: reads now fail.
    await (runtime.guard.store as unknown as { close(): Promise<void> }).close();
    const failing = await probe(url, '/readyz');
    assert.equal(failing.status, 503);
    assert.deepEqual(failing.body['checks'], { policy: true, store: false, audit: true, serving: false });
    assert.doesNotMatch(JSON.stringify(failing.body), /sqlite|database|tasks\.db|not open/i);
    assert.equal((await probe(url, '/livez')).status, 200);
  });
});
