// The reference host reloading its policy from files: the data file watched (policy.watch), a signed bundle
// replaced and tampered with, and SIGHUP to `taskguard serve` as a process. Real files, real HTTP, the pinned
// OPA for the signed builds.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadHostConfig } from '../../src/config/host-config.js';
import { createHostRuntime, createReferenceHttp, type HostRuntime } from '../../src/host/reference-host.js';
import type { HttpHost } from '../../src/http/host.js';
import { defaultBundleDir, defaultPolicyDir } from '../../src/util/paths.js';
import { freePort, pollUntil, startHost, type HostProcess } from '../e2e/support/host-process.js';
import { rawRequest } from '../e2e/support/http.js';
import { runCli } from '../support/run-cli.js';
import { tempDir } from '../support/temp-policy.js';
import { generateKeyFiles } from '../policy/signing-support.js';

const baseData = readFileSync(path.join(defaultPolicyDir, 'data.yaml'), 'utf8');
/** The committed data with one more scope on lookup: a change every derived view must follow. */
const withAuditScope = baseData.replace('required_scopes: [reports:read]\n', 'required_scopes: [reports:read, reports:audit]\n');

async function startInProcess(policy: Record<string, unknown>): Promise<{ runtime: HostRuntime; http: HttpHost; url: string; lines: string[]; dir: string }> {
  const dir = tempDir('taskguard-reload-');
  const file = path.join(dir, 'taskguard.yaml');
  writeFileSync(file, stringify({ state_dir: 'state', store: { kind: 'memory' }, listen: { port: await freePort() }, policy }));
  const lines: string[] = [];
  const runtime = await createHostRuntime(loadHostConfig(file), (l) => void lines.push(l));
  const http = createReferenceHttp(runtime);
  return { runtime, http, url: await http.listen(), lines, dir };
}

async function scopesSupported(url: string): Promise<string[]> {
  const r = await rawRequest({ url: new URL('/.well-known/oauth-protected-resource', url).href, method: 'GET', headers: {} });
  return (JSON.parse(r.body) as { scopes_supported: string[] }).scopes_supported;
}

/** The policy records of an audit file, as (event, trigger, data revision prefix). */
function policyRecords(auditFile: string): Array<{ event: string; trigger: string; data: string; error?: string }> {
  return readFileSync(auditFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((r) => r['kind'] === 'policy')
    .map((r) => ({
      event: r['event'] as string, trigger: (r['reasons'] as string[])[0] as string, data: (r['data_revision'] as string).slice(0, 12),
      ...(typeof r['error'] === 'string' ? { error: r['error'] } : {}),
    }));
}

describe('policy.watch: the data file edited under a running host', () => {
  let host: Awaited<ReturnType<typeof startInProcess>>;
  let dataFile: string;
  before(async () => {
    const dir = tempDir('taskguard-reload-data-');
    dataFile = path.join(dir, 'data.yaml');
    writeFileSync(dataFile, baseData);
    host = await startInProcess({ data: dataFile, watch: true });
  });
  after(async () => {
    await host.http.close();
    await host.runtime.settle(() => {});
  });

  it('activates an edit (RFC 9728 scopes follow), refuses a broken one naming the problem, and records each in the audit chain', async () => {
    const first = host.runtime.decider;
    assert.equal((await scopesSupported(host.url)).includes('reports:audit'), false);

    writeFileSync(dataFile, withAuditScope);
    const second = await pollUntil('the edited data to go live', async () => (host.runtime.decider !== first ? host.runtime.decider : undefined));
    assert.ok((await scopesSupported(host.url)).includes('reports:audit'));
    assert.ok(host.lines.some((l) => /^policy activated \(files\): /.test(l)), host.lines.join('\n'));

    writeFileSync(dataFile, withAuditScope.replace('risk: low', 'risk: extreme'));
    const refusal = await pollUntil('the broken edit to be refused', async () => host.lines.find((l) => l.startsWith('policy candidate refused (files)')));
    assert.match(refusal, /tools\.lookup\.risk/);
    assert.equal(host.runtime.decider, second, 'the live policy keeps serving');
    assert.ok((await scopesSupported(host.url)).includes('reports:audit'));

    writeFileSync(dataFile, baseData);
    await pollUntil('the repaired data to go live', async () => (host.runtime.decider.dataRevision === first.dataRevision ? true : undefined));

    await host.runtime.audit.flush();
    const auditFile = path.join(host.dir, 'state', 'audit.jsonl');
    const records = policyRecords(auditFile);
    assert.deepEqual(records.map((r) => `${r.event} ${r.trigger} ${r.data}`), [
      `activated start ${first.dataRevision.slice(0, 12)}`,
      `activated files ${second.dataRevision.slice(0, 12)}`,
      `refused files ${second.dataRevision.slice(0, 12)}`,
      `activated files ${first.dataRevision.slice(0, 12)}`,
    ]);
    assert.match(records[2]?.error ?? '', /tools\.lookup\.risk/);
    // Each says where the policy came from, and an activation which snapshot it replaced.
    const raw = readFileSync(auditFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).filter((r) => r['kind'] === 'policy');
    for (const r of raw) assert.equal(r['source'], `files: bundle bundled default, data ${dataFile}`);
    assert.equal(raw[0]?.['previous_policy_revision'], undefined, 'the start replaces nothing');
    assert.equal(raw[1]?.['previous_data_revision'], first.dataRevision);
    assert.equal(raw[1]?.['previous_policy_revision'], first.revision);
    assert.equal(raw[2]?.['previous_data_revision'], undefined, 'a refusal replaces nothing');
    const verified = await host.runtime.verifyAudit();
    assert.equal(verified.ok, true);
  });
});

describe('a signed bundle replaced under a running host (policy.verification)', () => {
  const keys = generateKeyFiles();
  let signedA: string;
  let signedB: string;
  let live: string;
  let host: Awaited<ReturnType<typeof startInProcess>>;
  before(async () => {
    // Two signed builds of the committed policies, differing in their data.
    const sources = tempDir('taskguard-reload-src-');
    cpSync(defaultPolicyDir, sources, { recursive: true, filter: (p) => !p.startsWith(path.join(defaultPolicyDir, 'build')) });
    signedA = path.join(tempDir(), 'a');
    signedB = path.join(tempDir(), 'b');
    const a = await runCli('build', '--policies', sources, '--out', signedA, '--sign', keys.ecPrivate, '--key-id', 'ci');
    assert.equal(a.code, 0, a.err);
    writeFileSync(path.join(sources, 'data.yaml'), withAuditScope);
    const b = await runCli('build', '--policies', sources, '--out', signedB, '--sign', keys.ecPrivate, '--key-id', 'ci');
    assert.equal(b.code, 0, b.err);
    live = path.join(tempDir(), 'live');
    cpSync(signedA, live, { recursive: true });
    host = await startInProcess({ bundle: live, verification: { keys: { ci: { key_file: keys.ecPublic, algorithm: 'ES256' } } } });
  });
  after(async () => {
    await host.http.close();
    await host.runtime.settle(() => {});
  });

  const replaceLive = (from: string): void => {
    rmSync(live, { recursive: true, force: true });
    cpSync(from, live, { recursive: true });
  };

  it('activates a newly signed bundle, and refuses a tampered or unsigned one while the old one serves', async () => {
    const a = host.runtime.decider;
    replaceLive(signedB);
    const activated = await host.runtime.reloadPolicy('sighup');
    assert.equal(activated.kind, 'activated');
    assert.ok((await scopesSupported(host.url)).includes('reports:audit'));
    const b = host.runtime.decider;
    assert.notEqual(b.dataRevision, a.dataRevision);

    // Same length, still valid JSON, one value changed: only the signature can tell.
    const dataJson = path.join(live, 'data.json');
    const original = readFileSync(dataJson, 'utf8');
    const edited = original.replace('"operations_per_minute": 600', '"operations_per_minute": 900');
    assert.notEqual(edited, original);
    writeFileSync(dataJson, edited);
    const tampered = await host.runtime.reloadPolicy('sighup');
    assert.equal(tampered.kind, 'refused');
    assert.match(tampered.kind === 'refused' ? tampered.error : '', /signature|hash|manifest/);
    assert.equal(host.runtime.decider, b);

    replaceLive(signedA);
    rmSync(path.join(live, '.signatures.json'));
    const unsigned = await host.runtime.reloadPolicy('sighup');
    assert.equal(unsigned.kind, 'refused');
    assert.equal(host.runtime.decider, b);

    replaceLive(signedA);
    assert.equal((await host.runtime.reloadPolicy('sighup')).kind, 'activated');
    assert.equal(host.runtime.decider.dataRevision, a.dataRevision);

    // The chain names the key each serving bundle was signed with, at start and at every activation.
    const records = readFileSync(path.join(host.dir, 'state', 'audit.jsonl'), 'utf8').trim().split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>).filter((r) => r['kind'] === 'policy');
    assert.deepEqual(records.map((r) => [r['event'], r['signer_key_id']]), [
      ['activated', 'ci'], ['activated', 'ci'], ['refused', 'ci'], ['refused', 'ci'], ['activated', 'ci'],
    ]);
  });
});

describe('SIGHUP to taskguard serve', () => {
  let host: HostProcess;
  let dataFile: string;
  before(async () => {
    const dir = tempDir('taskguard-sighup-');
    dataFile = path.join(dir, 'data.yaml');
    writeFileSync(dataFile, baseData);
    // Its own copy of the bundle: other test files may rebuild the packaged one meanwhile.
    const bundle = path.join(dir, 'bundle');
    cpSync(defaultBundleDir, bundle, { recursive: true });
    host = await startHost({ config: { store: { kind: 'memory' }, policy: { bundle, data: dataFile } } });
  });
  after(async () => {
    await host.dispose();
  });

  it('reloads the policy and keeps serving (it used to end the host)', async () => {
    const reloadLines = (): string[] => host.stderr().split('\n').filter((l) => /^taskguard: policy (unchanged|activated|candidate refused) \(sighup\)/.test(l));
    process.kill(host.pid, 'SIGHUP');
    await pollUntil('the first reload line', async () => (reloadLines().length === 1 ? true : undefined)).catch((e: Error) => assert.fail(`${e.message}\n${host.stderr()}`));
    writeFileSync(dataFile, withAuditScope);
    process.kill(host.pid, 'SIGHUP');
    await pollUntil('the second reload line', async () => (reloadLines().length === 2 ? true : undefined));
    assert.deepEqual(reloadLines().map((l) => l.split(':')[1]?.trim()), ['policy unchanged (sighup)', 'policy activated (sighup)'], host.stderr());
    assert.ok((await scopesSupported(host.url)).includes('reports:audit'));
    const r = await host.stop();
    assert.deepEqual({ code: r.code, signal: r.signal }, { code: 0, signal: null }, r.stderr);
  });
});
