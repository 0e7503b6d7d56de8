import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SignJWT } from 'jose';
import { JwksServer, makeKey, type TestKey } from '../identity/support.js';
import { nowS } from '../attacks/helpers.js';
import { resultOf, rpc2026 } from './support.js';

/**
 * The README's "Embedding in a v2 server" example, run as it is written: its code block is taken from the
 * README, only its imports pointed at this checkout, its identity provider's key set at a local JWKS server
 * and its port at a free one, and run in a node process of its own; then used by a real client.
 */

const repo = path.resolve(import.meta.dirname, '../..');
const ISSUER = 'https://idp.example.com';
const AUDIENCE = 'https://mcp.example.com/mcp';

function exampleCode(): string {
  const readme = readFileSync(path.join(repo, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Embedding in a v2 server'));
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(code, 'the README has the v2 example');
  return code;
}

/** `text` with `from` replaced by `to`, which must occur in it (the test fails loudly if the README changed shape). */
function swap(text: string, from: string, to: string): string {
  assert.ok(text.includes(from), `the example no longer contains ${from}`);
  return text.replaceAll(from, to);
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe('README: embedding in a v2 server', () => {
  let jwks: JwksServer;
  let key: TestKey;
  let child: ChildProcess;
  let dir: string;
  let url: string;
  let output = '';

  const token = (claims: Record<string, unknown> = {}): Promise<string> => new SignJWT({ tenant: 'acme', azp: 'reports-agent', scope: 'reports:export', ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: key.jwk.kid as string, typ: 'at+jwt' })
    .setIssuer(ISSUER).setAudience(AUDIENCE).setSubject('alice').setIssuedAt(nowS() - 5).setExpirationTime(nowS() + 600)
    .sign(key.privateKey);

  before(async () => {
    key = await makeKey('ES256', 'readme-key');
    jwks = await JwksServer.start([key.jwk]);
    const port = await freePort();
    let code = exampleCode();
    code = swap(code, "from 'taskguard/v2'", `from '${path.join(repo, 'src/entries/v2.ts')}'`);
    code = swap(code, "from 'taskguard'", `from '${path.join(repo, 'src/index.ts')}'`);
    code = swap(code, "'https://idp.example.com/jwks'", `'${jwks.url}'`);
    code = swap(code, '8787', String(port));
    dir = mkdtempSync(path.join(tmpdir(), 'taskguard-readme-v2-'));
    symlinkSync(path.join(repo, 'node_modules'), path.join(dir, 'node_modules'));
    // An embedder's project: ESM, as taskguard is.
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'embedder', private: true, type: 'module' }));
    writeFileSync(path.join(dir, 'example.ts'), code);
    child = spawn(process.execPath, ['--import', 'tsx', 'example.ts'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    url = await new Promise<string>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const listening = /listening on (\S+)/.exec(output);
        if (listening?.[1]) resolve(listening[1]);
      });
      child.once('exit', (code) => reject(new Error(`the example exited (${String(code)}): ${output}`)));
    });
  });

  after(async () => {
    child?.kill();
    await jwks?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('serves the tasks extension: a task created, its single-read result behind a step-up 401, then read once', async () => {
    const plain = await token();
    const created = resultOf(await rpc2026(url, plain, 'tools/call', { name: 'export_data', arguments: { rows: 3 } }));
    assert.equal(created['resultType'], 'task');
    const taskId = created['taskId'] as string;
    // Polling: working, then (completed, so the result would be inlined) the RFC 9470 challenge.
    let challenged;
    for (const until = Date.now() + 5000; Date.now() < until;) {
      const reply = await rpc2026(url, plain, 'tasks/get', { taskId });
      if (reply.status === 401) {
        challenged = reply;
        break;
      }
      assert.equal(resultOf(reply)['status'], 'working');
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(challenged?.wwwAuthenticate, 'Bearer error="insufficient_user_authentication", acr_values="urn:example:mfa", max_age=300');
    const stepped = await token({ acr: 'urn:example:mfa', auth_time: nowS() - 5 });
    const done = resultOf(await rpc2026(url, stepped, 'tasks/get', { taskId }));
    assert.deepEqual(done['result'], { resultType: 'complete', content: [{ type: 'text', text: 'exported 3 rows for alice' }] });
    assert.deepEqual((await rpc2026(url, stepped, 'tasks/get', { taskId })).body.error, { code: -32602, message: 'task not found' });
  });

  it('answers a client that did not declare the extension with a plain result, and refuses a request without a token', async () => {
    const plain = resultOf(await rpc2026(url, await token(), 'tools/call', { name: 'export_data', arguments: { rows: 1 } }, { declared: false }));
    assert.deepEqual(plain['content'], [{ type: 'text', text: 'exported 1 rows for alice' }]);
    assert.equal((await fetch(url, { method: 'POST', body: '{}' })).status, 401);
  });
});
