// TASKGUARD_CONFIG: `taskguard serve`, `token` and `audit verify` as real processes, all given the config
// through the environment only, and `token` refusing (clearly) to mint for a config no host runs with.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { stringify } from 'yaml';
import { INITIALIZE, MCP_POST_HEADERS } from '../e2e/support/http.js';
import { freePort, runTaskguard, spawnTracked, tail, type RunResult } from '../e2e/support/host-process.js';
import { tempDir } from '../support/temp-policy.js';

const ENTRY = ['--import', 'tsx', 'src/cli/entry.ts'];
const WHO = ['--sub', 'alice', '--tenant', 'acme', '--client', 'reports-agent', '--scope', 'reports:read'];

/** The environment of this test run without TASKGUARD_CONFIG, plus `extra`. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { TASKGUARD_CONFIG: _ignored, ...rest } = process.env;
  return { ...rest, ...extra };
}

function writeConfig(dir: string, port: number): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'taskguard.yaml');
  writeFileSync(file, stringify({ listen: { port }, state_dir: 'state', shutdown: { grace_ms: 500 } }));
  return file;
}

function token(args: string[], extraEnv: Record<string, string> = {}): Promise<RunResult> {
  return runTaskguard(['token', ...WHO, ...args], { env: env(extraEnv), timeoutMs: 30_000 });
}

/** A real SDK client session with `bearer`: one decided (and audited) tool call. */
async function lookupWith(url: string, bearer: string): Promise<boolean> {
  const client = new Client({ name: 'config-env-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${bearer}` } } }));
  try {
    const result = await client.callTool({ name: 'lookup', arguments: { q: 'handbook' } });
    return result.isError !== true;
  } finally {
    await client.close();
  }
}

async function initializeWith(url: string, bearer: string): Promise<number> {
  const res = await fetch(url, { method: 'POST', headers: { ...MCP_POST_HEADERS, authorization: `Bearer ${bearer}` }, body: JSON.stringify(INITIALIZE) });
  await res.body?.cancel();
  return res.status;
}

describe('TASKGUARD_CONFIG: serve, token and audit verify read the same config', () => {
  const base = tempDir('taskguard-config-env-');
  let hostDir: string;
  let hostConfig: string;
  let otherDir: string;
  let otherConfig: string;
  let port: number;
  let url: string;
  let stderr = '';
  let stopHost: () => Promise<number | null>;

  before(async () => {
    port = await freePort();
    hostDir = path.join(base, 'host');
    hostConfig = writeConfig(hostDir, port);
    otherDir = path.join(base, 'other');
    otherConfig = writeConfig(otherDir, await freePort());

    const child = spawnTracked(process.execPath, [...ENTRY, 'serve'], { env: env({ TASKGUARD_CONFIG: hostConfig }) });
    let stdout = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    stopHost = async () => {
      child.kill('SIGTERM');
      return exited;
    };
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "listening on" within 30 s\n${tail(stderr)}`)), 30_000);
      child.stdout?.on('data', () => {
        const m = /^listening on (\S+)$/m.exec(stdout);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`serve exited (code ${code}) before listening\n${tail(stderr)}`));
      });
    });
  });

  after(async () => {
    if (stopHost) await stopHost();
  });

  it('serve with only TASKGUARD_CONFIG set listens where that config says and names it', () => {
    assert.equal(url, `http://127.0.0.1:${port}/mcp`);
    assert.ok(stderr.includes(`config ${hostConfig} (from TASKGUARD_CONFIG)`), stderr);
    assert.ok(stderr.includes(`key in ${path.join(hostDir, 'state')}`), stderr);
  });

  it('a token minted with the same TASKGUARD_CONFIG is accepted, and token says what it minted for', async () => {
    const r = await token([], { TASKGUARD_CONFIG: hostConfig });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stderr.includes(`  config:   config ${hostConfig} (from TASKGUARD_CONFIG)\n`), r.stderr);
    assert.ok(r.stderr.includes(`  audience: ${url}\n`), r.stderr);
    assert.ok(r.stderr.includes(`  dev key:  ${path.join(hostDir, 'state', 'dev-signing-key.json')}\n`), r.stderr);
    assert.equal(await lookupWith(url, r.stdout.trim()), true);
  });

  it('a token for a config no host has run with is refused with what to do, and no key is made', async () => {
    const r = await token(['--config', otherConfig], { TASKGUARD_CONFIG: hostConfig });
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '', 'no token');
    assert.match(r.stderr, /^taskguard token: no dev key in (\S+) \(the state folder of config (\S+)\), so no host has run with it yet: start the host first \(it makes the key\), or pass the config the host runs with \(--config FILE or TASKGUARD_CONFIG\), or add --create-key \[usage\]\n$/);
    assert.ok(r.stderr.includes(`no dev key in ${path.join(otherDir, 'state')} (the state folder of config ${otherConfig})`), '--config wins over TASKGUARD_CONFIG');
    assert.equal(existsSync(path.join(otherDir, 'state')), false, 'a refused token creates nothing');
  });

  it('--create-key mints anyway with a new key, and says so; the running host rejects that token', async () => {
    const r = await token(['--create-key'], { TASKGUARD_CONFIG: otherConfig });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stderr.includes(`  dev key:  ${path.join(otherDir, 'state', 'dev-signing-key.json')} (created now)\n`), r.stderr);
    assert.equal(await initializeWith(url, r.stdout.trim()), 401);
  });

  it('audit verify with only TASKGUARD_CONFIG set checks that host\'s audit log', async () => {
    assert.equal(await stopHost(), 0, tail(stderr));
    const auditFile = path.join(hostDir, 'state', 'audit.jsonl');
    const r = await runTaskguard(['audit', 'verify'], { env: env({ TASKGUARD_CONFIG: hostConfig }), timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ok: [1-9]\d* records, last seq \d+, last hash [0-9a-f]{64}\n$/);
    assert.equal(r.stderr, `config ${hostConfig} (from TASKGUARD_CONFIG): audit log ${auditFile}\n`);
  });
});
