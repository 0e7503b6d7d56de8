import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson } from '../../src/util/digest.js';

describe('canonicalJson', () => {
  it('orders keys at every level, so equal documents hash equally', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } }), '{"a":{"c":null,"d":[2,{"e":0,"f":1}]},"b":1}');
  });

  it('keeps a __proto__ key as data instead of dropping it', () => {
    const parsed = JSON.parse('{"a":1,"__proto__":{"x":"injected"}}') as unknown;
    assert.equal(canonicalJson(parsed), '{"__proto__":{"x":"injected"},"a":1}');
    assert.notEqual(canonicalJson(parsed), canonicalJson({ a: 1 }));
  });
});
