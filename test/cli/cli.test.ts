import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { runCli as run } from '../support/run-cli.js';
import { tempDir } from '../support/temp-policy.js';


const NOW = 1763800000000;
const alice = { sub: 'alice', tenant: 'acme', client_id: 'reports-agent', scopes: ['reports:read'], roles: [], acr: '', auth_time_ms: 0 };
const task = { id: 't', status: 'working', tool: 'lookup', owner: { sub: 'alice', tenant: 'acme', client_id: 'reports-agent' }, scopes: [], created_ms: NOW - 1, expires_ms: NOW + 1000, results_read: 0 };

function fixtureDir(cases: Record<string, unknown>): string {
  const dir = tempDir('taskguard-fixtures-');
  for (const [name, body] of Object.entries(cases)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), typeof body === 'string' ? body : JSON.stringify(body));
  }
  return dir;
}

describe('taskguard test', () => {
  it('passes the bundled fixtures (at least 60) and prints the closing count', async () => {
    const r = await run('test');
    assert.equal(r.code, 0, r.out);
    const m = /^(\d+) passed, 0 failed$/m.exec(r.out);
    assert.ok(m, r.out);
    assert.ok(Number(m[1]) >= 60, `only ${m[1]} fixtures`);
  });

  it('prints a diff per failing case and exits 1', async () => {
    const dir = fixtureDir({
      'get/right.json': { description: 'owner polls', input: { op: 'get', now_ms: NOW, principal: alice, task }, expect: { allow: true, reasons: [] } },
      'get/wrong.json': { description: 'claims bob may poll alice', input: { op: 'get', now_ms: NOW, principal: { ...alice, sub: 'bob' }, task }, expect: { allow: true } },
    });
    const r = await run('test', dir);
    assert.equal(r.code, 1);
    assert.match(r.out, /FAIL get\/wrong\.json - claims bob may poll alice/);
    assert.match(r.out, /allow: expected true, got false/);
    assert.match(r.out, /^1 passed, 1 failed$/m);
    assert.doesNotMatch(r.out, /right\.json/);
  });

  it('applies a fixture\'s data overrides to that fixture only', async () => {
    const dir = fixtureDir({
      'a.json': { description: 'poll interval from override', input: { op: 'list', now_ms: NOW, principal: alice }, data: { defaults: { poll_interval_ms: 7 } }, expect: { allow: true, poll_interval_ms: 7 } },
      'b.json': { description: 'poll interval from bundle', input: { op: 'list', now_ms: NOW, principal: alice }, expect: { allow: true, poll_interval_ms: 1000 } },
    });
    const r = await run('test', dir);
    assert.equal(r.code, 0, r.out);
  });

  it('counts a broken fixture as failed, with the reason, instead of skipping it', async () => {
    const dir = fixtureDir({
      'typo.json': { description: 'typo in expect', input: { op: 'list' }, expect: { allow: false, reason: ['x'] } },
      'yaml.yaml': 'description: [unclosed\n',
    });
    const r = await run('test', dir);
    assert.equal(r.code, 1);
    assert.match(r.out, /expect\.reason is not a decision field/);
    assert.match(r.out, /yaml\.yaml.*\n\s+error: .*not valid yaml/);
    assert.match(r.out, /^0 passed, 2 failed$/m);
  });

  it('expects null to mean absent', async () => {
    const dir = fixtureDir({ 'x.json': { description: 'no ttl on list', input: { op: 'list', now_ms: NOW, principal: alice }, expect: { allow: true, ttl_ms: null, poll_interval_ms: null } } });
    const r = await run('test', dir);
    assert.equal(r.code, 1);
    assert.match(r.out, /poll_interval_ms: expected \(absent\), got 1000/);
  });

  it('rejects invalid replacement data with the offending path, before running anything', async () => {
    const dir = fixtureDir({ 'x.json': { description: 'd', input: { op: 'list' }, expect: { allow: false } } });
    const data = path.join(tempDir(), 'data.yaml');
    writeFileSync(data, 'defaults: {poll_interval_ms: 1, default_ttl_ms: 1, max_ttl_ms: 1, max_chain_depth: 1}\ntools:\n  x: {task_support: optinal}\n');
    const r = await run('test', dir, '--data', data);
    assert.equal(r.code, 1);
    assert.match(r.err, /tools\.x\.task_support: must be one of required, optional, forbidden/);
  });
});

describe('taskguard eval and usage', () => {
  it('prints the decision for an input file', async () => {
    const file = path.join(tempDir(), 'in.yaml');
    writeFileSync(file, JSON.stringify({ op: 'get', now_ms: NOW, principal: { ...alice, tenant: 'globex' }, task }));
    const r = await run('eval', '--input', file);
    assert.equal(r.code, 0);
    assert.deepEqual(JSON.parse(r.out), { allow: false, reasons: ['tenant_mismatch'], delegated: false });
  });

  it('eval without --input is a usage error', async () => {
    const r = await run('eval');
    assert.equal(r.code, 2);
    assert.match(r.err, /--input is required/);
  });

  it('an unknown command or option is a usage error that lists the commands', async () => {
    const a = await run('frobnicate');
    assert.equal(a.code, 2);
    assert.match(a.err, /unknown command frobnicate[\s\S]*taskguard test/);
    const b = await run('test', '--nope');
    assert.equal(b.code, 2);
    assert.match(b.err, /usage: taskguard test/);
  });
});
