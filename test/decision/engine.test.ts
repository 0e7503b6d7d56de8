import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createDecider, loadDecider } from '../../src/decision/engine.js';
import { readBundle } from '../../src/decision/bundle.js';
import { TaskguardError } from '../../src/errors.js';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readTarGz } from '../../src/policy/tar.js';
import { buildTempBundle, opa, tempDir } from '../support/temp-policy.js';

const NOW = 1763800000000;
const alice = { sub: 'alice', tenant: 'acme', client_id: 'reports-agent', scopes: ['reports:read'], roles: [], acr: '', auth_time_ms: 0 };
const aliceTask = {
  id: 't-1', status: 'working', tool: 'export_data', owner: { sub: 'alice', tenant: 'acme', client_id: 'reports-agent' },
  scopes: ['reports:read', 'reports:export'], created_ms: NOW - 1000, expires_ms: NOW + 60000, results_read: 0,
};

describe('decision engine on the committed bundle', () => {
  const decider = loadDecider();

  it('allows the owner and exposes the policy revision', () => {
    const d = decider.decide({ op: 'get', now_ms: NOW, principal: alice, task: aliceTask });
    assert.deepEqual(d, { allow: true, reasons: [], delegated: false, poll_interval_ms: 1000 });
    assert.match(decider.revision, /^[0-9a-f]{64}$/);
    assert.equal(decider.revision, readBundle().manifest.revision);
  });

  it('denies another user of the same tenant with the binding reason', () => {
    const d = decider.decide({ op: 'get', now_ms: NOW, principal: { ...alice, sub: 'bob' }, task: aliceTask });
    assert.equal(d.allow, false);
    assert.deepEqual(d.reasons, ['sub_mismatch']);
  });

  for (const bad of [null, 42, 'get', [1, 2]]) {
    it(`fails closed on a non-object input (${JSON.stringify(bad)})`, () => {
      const d = decider.decide(bad);
      assert.equal(d.allow, false);
      assert.deepEqual(d.reasons, ['input_invalid']);
    });
  }

  it('fails closed when the input cannot be serialised', () => {
    const d = decider.decide({ op: 'get', now_ms: 10n });
    assert.equal(d.allow, false);
    assert.deepEqual(d.reasons, ['policy_error']);
    assert.match(d.error ?? '', /bigint/i);
  });

  it('evaluates inputs far larger than the initial memory', () => {
    const scopes = Array.from({ length: 50000 }, (_, i) => `scope:${i}`);
    const d = decider.decide({ op: 'get', now_ms: NOW, principal: { ...alice, scopes }, task: aliceTask });
    assert.equal(d.allow, true);
  });

  it('fails closed, then keeps deciding, when an input exceeds the memory bound', () => {
    const small = createDecider(readBundle(), { maxMemoryPages: 16 });
    const scopes = Array.from({ length: 100000 }, (_, i) => `scope:${i}`);
    const big = small.decide({ op: 'get', now_ms: NOW, principal: { ...alice, scopes }, task: aliceTask });
    assert.equal(big.allow, false);
    assert.deepEqual(big.reasons, ['policy_error']);
    const after = small.decide({ op: 'get', now_ms: NOW, principal: alice, task: aliceTask });
    assert.equal(after.allow, true, 'a fresh instance serves the next call');
  });

  it('rejects policy data that is not an object', () => {
    assert.throws(() => createDecider(readBundle(), { data: [] }), (e: unknown) => e instanceof TaskguardError && e.code === 'config_invalid');
  });

  it('uses replacement data instead of the bundle data', () => {
    const data = structuredClone(readBundle().data) as { defaults: { poll_interval_ms: number } };
    data.defaults.poll_interval_ms = 4321;
    const d = createDecider(readBundle(), { data }).decide({ op: 'list', now_ms: NOW, principal: alice });
    assert.equal(d.poll_interval_ms, 4321);
  });
});

describe('decision engine failing closed on what a policy returns', () => {
  const policy = (body: string): string => `package taskguard.tasks\n\n${body}\n`;

  it('a runtime error (conflicting values) is a deny with the cause, and the next call still works', () => {
    const bundle = buildTempBundle({
      'p.rego': policy('decision := {"allow": true, "reasons": [], "delegated": false} if input.op == "get"\n\ndecision := input.x if input.op == "cancel"\n\ndecision := input.y if input.op == "cancel"'),
    });
    const decider = createDecider(bundle);
    const d = decider.decide({ op: 'cancel', x: 1, y: 2 });
    assert.equal(d.allow, false);
    assert.deepEqual(d.reasons, ['policy_error']);
    assert.match(d.error ?? '', /conflict|abort|complete rules/i);
    assert.equal(decider.decide({ op: 'get' }).allow, true);
  });

  it('an undefined decision is a deny', () => {
    const bundle = buildTempBundle({ 'p.rego': policy('decision := {"allow": true, "reasons": [], "delegated": false} if input.op == "get"') });
    const d = createDecider(bundle).decide({ op: 'cancel' });
    assert.deepEqual([d.allow, d.reasons], [false, ['no_decision']]);
  });

  const malformed: Array<[string, string]> = [
    ['allow that is not exactly true', '{"allow": "true", "reasons": [], "delegated": false}'],
    ['allow as 1', '{"allow": 1, "reasons": []}'],
    ['a decision that is not an object', '[true]'],
    ['reasons that are not strings', '{"allow": false, "reasons": [1], "delegated": false}'],
    ['an allow carrying reasons', '{"allow": true, "reasons": ["x"], "delegated": false}'],
    ['a deny without a reason', '{"allow": false, "reasons": [], "delegated": false}'],
    ['a negative ttl', '{"allow": true, "reasons": [], "delegated": false, "ttl_ms": -1}'],
    ['step_up_required without an obligation', '{"allow": false, "reasons": ["step_up_required"], "delegated": false}'],
    ['a step_up obligation with no parameter', '{"allow": false, "reasons": ["step_up_required"], "delegated": false, "step_up": {}}'],
  ];
  for (const [label, value] of malformed) {
    it(`${label} is a malformed_decision deny`, () => {
      const bundle = buildTempBundle({ 'p.rego': policy(`decision := ${value}`) });
      const d = createDecider(bundle).decide({ op: 'get' });
      assert.equal(d.allow, false);
      assert.deepEqual(d.reasons, ['malformed_decision']);
      assert.ok(d.error, 'carries the cause');
    });
  }

  it('an allow for an operation the host does not know is malformed, whatever the policy says', () => {
    const bundle = buildTempBundle({ 'p.rego': policy('decision := {"allow": true, "reasons": [], "delegated": false}') });
    for (const op of ['delete', undefined, 'GET']) {
      const d = createDecider(bundle).decide({ op });
      assert.deepEqual([d.allow, d.reasons], [false, ['malformed_decision']], String(op));
    }
  });

  it('an allowed create without ttl_ms is malformed: the host could not cap the task', () => {
    const bundle = buildTempBundle({ 'p.rego': policy('decision := {"allow": true, "reasons": [], "delegated": false}') });
    const d = createDecider(bundle).decide({ op: 'create' });
    assert.deepEqual([d.allow, d.reasons], [false, ['malformed_decision']]);
  });

  it('a bundle without the decision entrypoint does not load', () => {
    const bundle = buildTempBundle({ 'p.rego': policy('decision := {"allow": false, "reasons": ["x"], "delegated": false}') });
    // Swap in wasm compiled for another entrypoint: the loader must refuse it at load, not at the first request.
    const foreign = { ...bundle, wasm: buildEntrypointWasm() };
    assert.throws(() => createDecider(foreign), (e: unknown) => e instanceof TaskguardError && e.code === 'entrypoint_missing');
  });
});

/** Wasm compiled for some other entrypoint than taskguard/tasks/decision. */
function buildEntrypointWasm(): Uint8Array {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'p.rego'), 'package elsewhere\n\nallow := true\n');
  execFileSync(opa, ['build', '-t', 'wasm', '-e', 'elsewhere/allow', '-o', 'b.tar.gz', 'p.rego'], { cwd: dir });
  const wasm = readTarGz(readFileSync(path.join(dir, 'b.tar.gz'))).get('policy.wasm');
  assert.ok(wasm);
  return wasm;
}
