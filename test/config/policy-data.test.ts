import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { loadPolicyData, validatePolicyData } from '../../src/config/policy-data.js';
import { TaskguardError } from '../../src/errors.js';
import { deepMerge } from '../../src/util/merge.js';
import { defaultPolicyDir } from '../../src/util/paths.js';

const base = () => structuredClone(loadPolicyData(path.join(defaultPolicyDir, 'data.yaml'))) as Record<string, unknown>;

function problemsOf(data: unknown): string {
  try {
    validatePolicyData(data);
  } catch (err) {
    assert.ok(err instanceof TaskguardError);
    assert.equal(err.code, 'config_invalid');
    return err.message;
  }
  assert.fail('expected the data to be rejected');
}

describe('policy data validation', () => {
  it('accepts the bundled data.yaml and freezes it', () => {
    const data = loadPolicyData(path.join(defaultPolicyDir, 'data.yaml'));
    assert.ok(Object.isFrozen(data));
    assert.ok(Object.isFrozen((data['tools'] as Record<string, unknown>)['export_data']));
  });

  const cases: Array<[string, unknown, RegExp]> = [
    ['a typo in task_support', { tools: { export_data: { task_support: 'optinal' } } }, /tools\.export_data\.task_support: must be one of/],
    ['an unknown tool key', { tools: { lookup: { single_reed: true } } }, /tools\.lookup\.single_reed: unknown key/],
    ['a risk outside the scale', { tools: { lookup: { risk: 'critical' } } }, /tools\.lookup\.risk: must be one of low, medium, high/],
    ['a step-up on no operation', { tools: { lookup: { step_up: { reslt: { max_age_s: 5 } } } } }, /step_up\.reslt: reslt is not an operation/],
    ['a step-up with no requirement', { tools: { lookup: { step_up: { result: {} } } } }, /needs acr_values or max_age_s/],
    ['a tool without a risk', { tools: { lookup: { risk: null } } }, /tools\.lookup\.risk: is required/],
    ['a zero max ttl', { defaults: { max_ttl_ms: 0 } }, /defaults\.max_ttl_ms: must be a positive integer/],
    ['a fractional request state lifetime', { limits: { request_state_ttl_ms: 1.5 } }, /limits\.request_state_ttl_ms: must be a positive integer/],
    ['a supervisor granted chain', { supervisors: { roles: { boss: { operations: ['chain'] } } } }, /chain cannot be delegated/],
    ['an escalation pair to an unknown tool', { chaining: { allow_escalation: [{ from: 'lookup', to: 'nuke' }] } }, /allow_escalation\[\d+\]\.to: must name a tool/],
    ['scopes that are not strings', { tools: { lookup: { required_scopes: [1] } } }, /required_scopes: must be a list of non-empty strings/],
  ];
  for (const [label, patch, expected] of cases) {
    it(`rejects ${label}, naming the path`, () => {
      assert.match(problemsOf(deepMerge(base(), patch)), expected);
    });
  }

  it('reports every problem at once', () => {
    const message = problemsOf(deepMerge(base(), { defaults: { max_ttl_ms: -1 }, tools: { lookup: { risk: 'x' } } }));
    assert.match(message, /defaults\.max_ttl_ms/);
    assert.match(message, /tools\.lookup\.risk/);
  });

  it('requires defaults and tools', () => {
    assert.match(problemsOf({}), /defaults: is required[\s\S]*tools: is required/);
  });
});

describe('deepMerge', () => {
  it('merges objects, replaces arrays and scalars, deletes on null, and mutates nothing', () => {
    const a = { x: { y: 1, z: [1, 2] }, k: 'v', gone: 1 };
    const out = deepMerge(a, { x: { z: [3] }, k: 'w', gone: null });
    assert.deepEqual(out, { x: { y: 1, z: [3] }, k: 'w' });
    assert.deepEqual(a, { x: { y: 1, z: [1, 2] }, k: 'v', gone: 1 });
  });
});
