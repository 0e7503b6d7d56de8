import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { defaultPolicyDir } from '../../src/util/paths.js';
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
