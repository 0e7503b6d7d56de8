import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { parse, stringify } from 'yaml';
import { defaultPolicyDir, packageRoot } from '../../src/util/paths.js';
import { rawRequest } from '../e2e/support/http.js';
import { freePort, pollUntil, startHost, type HostProcess } from '../e2e/support/host-process.js';
import { tempDir } from '../support/temp-policy.js';
import { scrape } from './support/exposition.js';

describe('taskguard serve with a diagnostic listener', () => {
  let host: HostProcess;
  let diagnostics: string;
  let dataFile: string;
  before(async () => {
    dataFile = path.join(tempDir('taskguard-serve-metrics-'), 'data.yaml');
    copyFileSync(path.join(defaultPolicyDir, 'data.yaml'), dataFile);
    const port = await freePort();
    host = await startHost({ config: { store: { kind: 'memory' }, policy: { data: dataFile }, diagnostics: { listen: { port } } } });
    diagnostics = await pollUntil('the diagnostics line', async () => /diagnostics \(\/metrics, \/livez, \/readyz\) on (http:\/\/\S+)/.exec(host.stderr())?.[1]);
    assert.equal(diagnostics, `http://127.0.0.1:${port}`);
  });
  after(async () => {
    await host.dispose();
  });

  it('says where diagnostics are served, and serves /metrics there only', async () => {
    const metrics = await scrape(diagnostics);
    assert.equal(metrics.value('taskguard_policy_activations_total', { trigger: 'start', result: 'activated' }), 1);
    assert.equal((await rawRequest({ url: `http://127.0.0.1:${host.port}/metrics`, headers: { host: `127.0.0.1:${host.port}` } })).status, 404);
    assert.equal((await rawRequest({ url: `${diagnostics}/readyz` })).status, 200);
  });

  it('SIGHUP reloads the edited data, and the scrape shows the activation and the new revision', async () => {
    const before = await scrape(diagnostics);
    const data = parse(readFileSync(dataFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(dataFile, stringify({ ...data, limits: { operations_per_minute: 120, live_tasks_per_principal: 5 } }));
    process.kill(host.pid, 'SIGHUP');
    const after = await pollUntil('the sighup activation', async () => {
      const e = await scrape(diagnostics);
      return e.value('taskguard_policy_activations_total', { trigger: 'sighup', result: 'activated' }) === 1 ? e : undefined;
    });
    const [was] = before.series('taskguard_policy_info');
    const [now] = after.series('taskguard_policy_info');
    assert.equal(after.series('taskguard_policy_info').length, 1);
    assert.equal(now?.labels['revision'], was?.labels['revision']);
    assert.notEqual(now?.labels['data_revision'], was?.labels['data_revision']);
    assert.match(host.stderr(), /policy activated \(sighup\)/);
    const stopped = await host.stop();
    assert.equal(stopped.code, 0);
  });
});

describe('taskguard serve --stdio with a diagnostic listener', () => {
  let client: Client | undefined;
  after(async () => {
    await client?.close();
  });

  it('serves /metrics and the probes for a host that has no HTTP port of its own', async () => {
    const dir = tempDir('taskguard-stdio-metrics-');
    const config = path.join(dir, 'taskguard.yaml');
    const port = await freePort();
    writeFileSync(config, stringify({ state_dir: 'state', store: { kind: 'memory' }, diagnostics: { listen: { port } } }));
    const cli = ['--import', 'tsx', 'src/cli/entry.ts'];
    const token = execFileSync(process.execPath, [...cli, 'token', '--config', config, '--create-key', '--sub', 'alice', '--tenant', 'acme', '--client', 'reports-agent', '--scope', 'reports:read'], { cwd: packageRoot, encoding: 'utf8' }).trim();
    client = new Client({ name: 'stdio-metrics-test', version: '1.0.0' });
    await client.connect(new StdioClientTransport({
      command: process.execPath, args: [...cli, 'serve', '--stdio', '--config', config], cwd: packageRoot,
      env: { ...process.env as Record<string, string>, TASKGUARD_TOKEN: token }, stderr: 'ignore',
    }));
    await client.callTool({ name: 'lookup', arguments: { q: 'task' } });
    const diagnostics = `http://127.0.0.1:${port}`;
    const metrics = await scrape(diagnostics);
    assert.equal(metrics.value('taskguard_decisions_total', { op: 'call', wire: '2025-11-25', outcome: 'allow' }), 1);
    assert.equal((await rawRequest({ url: `${diagnostics}/readyz` })).status, 200);
  });
});
