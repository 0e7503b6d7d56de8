import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleFileHash } from '../../src/decision/bundle-hash.js';
import { opaCanonicalJson } from '../../src/decision/opa-json.js';
import { TaskguardError } from '../../src/errors.js';
import { canonicalJson, sha256Hex } from '../../src/util/digest.js';
import { tempDir } from '../support/temp-policy.js';
import { generateKeyFiles, runOpa, signatureParts } from './signing-support.js';

const keys = generateKeyFiles();

/** The hash OPA itself puts in a signature for `name` holding `text` (`opa sign` over a folder). */
function opaHash(name: string, text: string): string {
  const dir = tempDir('taskguard-opa-sign-');
  writeFileSync(path.join(dir, name), text);
  // Inside the folder with `--bundle .`: from outside, opa sign prefixes every name with the folder's path.
  const run = runOpa(['sign', '--signing-key', keys.rsaPrivate, '--bundle', '.', '-o', '.'], dir);
  assert.equal(run.status, 0, run.output);
  const files = signatureParts(dir).claims['files'] as Array<{ name: string; hash: string }>;
  const entry = files.find((f) => f.name === name);
  assert.ok(entry, `opa listed ${name}`);
  return entry.hash;
}

describe('bundle file hashes, against the pinned OPA', () => {
  const cases: Array<[string, string]> = [
    ['number literals kept verbatim', '{"n": 1.0, "e": 1e3, "E": 2E-2, "neg": -0, "big": 12345678901234567890}'],
    ['U+2028 and U+2029, which Go escapes', '{"s": "line\u2028sep\u2029end"}'],
    ['keys sorted by UTF-8 bytes, not UTF-16 units', '{"\ue000": 1, "\u{1f600}": 2, "a": 3}'],
    ['html characters unescaped, control characters escaped', '{"h": "<a&b>", "c": "\\u0001\\b\\f\\n\\t\\u007f", "u": "é\\u00e9"}'],
    ['nesting, arrays and whitespace', '{ "z": [ {"b": true, "a": null}, [], {} ],\n  "a": {"y": [1, 2.50, "x"]} }\n'],
    ['a leading byte order mark', '\ufeff{"a": 1}'],
  ];
  for (const [what, text] of cases) {
    it(`data.json: ${what}`, () => {
      assert.equal(bundleFileHash('data.json', Buffer.from(text)), opaHash('data.json', text));
    });
  }

  it('.manifest is structured too; any other file is hashed over its bytes', () => {
    const manifest = '{"roots": [""], "revision": "r1"}';
    assert.equal(bundleFileHash('.manifest', Buffer.from(manifest)), opaHash('.manifest', manifest));
    const rego = 'package x\n\nallow := true\n';
    assert.equal(bundleFileHash('p.rego', Buffer.from(rego)), opaHash('p.rego', rego));
    assert.equal(bundleFileHash('p.rego', Buffer.from(rego)), sha256Hex(rego));
    const json = '{"b": 1, "a": 2}';
    assert.equal(bundleFileHash('other.json', Buffer.from(json)), opaHash('other.json', json));
  });

  it('a naive JSON.parse + sorted JSON.stringify gets these wrong (what the cases above guard against)', () => {
    const text = '{"n": 1.0, "s": "\u2028"}';
    assert.notEqual(sha256Hex(canonicalJson(JSON.parse(text))), opaHash('data.json', text));
  });
});

describe('opaCanonicalJson refuses what two readers could read differently', () => {
  const refused: Array<[string, Uint8Array, RegExp]> = [
    ['a duplicate key', Buffer.from('{"a": 1, "a": 2}'), /key "a" twice/],
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]), /not valid utf-8/],
    ['a lone surrogate escape', Buffer.from('{"a": "\\ud800"}'), /lone surrogate/],
    ['trailing text', Buffer.from('{"a": 1} x'), /text after the json value/],
    ['a number JSON does not allow', Buffer.from('{"a": 01}'), /expected/],
    ['a raw control character in a string', Buffer.from('{"a": "\u0001"}'), /expected a string/],
  ];
  for (const [what, bytes, message] of refused) {
    it(what, () => {
      assert.throws(() => opaCanonicalJson(bytes, 'data.json'), (e: unknown) => e instanceof TaskguardError && e.code === 'bundle_invalid' && message.test(e.message));
    });
  }

  it('is valid JSON for the same document', () => {
    const text = '{"b": [1.5, {"d": "x", "c": null}], "a": "\u2028"}';
    assert.deepEqual(JSON.parse(opaCanonicalJson(Buffer.from(text), 'data.json')), JSON.parse(text));
  });
});
