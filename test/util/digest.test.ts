import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { canonicalJson, sha256Hex } from '../../src/util/digest.js';

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

describe('sha256Hex', () => {
  it('is SHA-256 (FIPS 180-2 vector) of a string as UTF-8 and of bytes alike', () => {
    assert.equal(sha256Hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    assert.equal(sha256Hex(new TextEncoder().encode('abc')), sha256Hex('abc'));
    const text = 'ré\u{1F600}sumé';
    assert.equal(sha256Hex(text), createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex'));
    assert.equal(sha256Hex(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});
