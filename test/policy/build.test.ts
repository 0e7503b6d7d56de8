import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildBundle } from '../../src/policy/build.js';
import { runtimeCapabilities } from '../../src/policy/capabilities.js';
import { sourceDigest } from '../../src/policy/sources.js';
import { readBundle, BUNDLE_FILES } from '../../src/decision/bundle.js';
import { TaskguardError } from '../../src/errors.js';
import { defaultBundleDir, defaultPolicyDir } from '../../src/util/paths.js';
import { opa, tempDir, writePolicy } from '../support/temp-policy.js';

describe('the committed default bundle', () => {
  it('was built from the current sources (digest over rego, data and capabilities)', () => {
    const manifest = readBundle().manifest;
    assert.equal(manifest.source_digest, sourceDigest(defaultPolicyDir, runtimeCapabilities().document),
      'policies/ changed since policies/build/ was built: run `npm run build`');
  });

  it('is byte-identical to a fresh build, wherever the checkout lives', () => {
    // Build a copy of the sources from an unrelated folder: OPA embeds source paths, and the build must
    // make them relative so the bytes do not depend on the checkout location.
    const copy = path.join(tempDir(), 'somewhere', 'policies');
    cpSync(defaultPolicyDir, copy, { recursive: true, filter: (src) => path.relative(defaultPolicyDir, src).split(path.sep)[0] !== 'build' });
    const out = path.join(tempDir(), 'out');
    const { manifest } = buildBundle({ policyDir: copy, outDir: out, opa });
    const committed = readBundle();
    assert.equal(manifest.revision, committed.manifest.revision, 'policy.wasm differs from a rebuild: run `npm run build`');
    assert.deepEqual(readFileSync(path.join(out, BUNDLE_FILES.data)), readFileSync(path.join(defaultBundleDir, BUNDLE_FILES.data)));
  });
});

describe('taskguard build', () => {
  const ok = 'package taskguard.tasks\n\ndecision := {"allow": false, "reasons": ["nope"], "delegated": false}\n';

  it('fails on a builtin the wasm runtime does not implement, naming it', () => {
    const dir = writePolicy({ 'p.rego': 'package taskguard.tasks\n\ndecision := {"allow": false, "reasons": [sprintf("%d", [time.now_ns()])]}\n' });
    assert.throws(() => buildBundle({ policyDir: dir, outDir: path.join(dir, 'build'), opa }),
      (e: unknown) => e instanceof TaskguardError && e.code === 'build_failed' && /time\.now_ns/.test(e.message));
  });

  it('fails on http.send, which a policy must never reach for', () => {
    const dir = writePolicy({ 'p.rego': 'package taskguard.tasks\n\ndecision := http.send({"method": "get", "url": "http://127.0.0.1:1"})\n' });
    assert.throws(() => buildBundle({ policyDir: dir, outDir: path.join(dir, 'build'), opa }), /http\.send/);
  });

  it('leaves the previous bundle in place when a build fails', () => {
    const dir = writePolicy({ 'p.rego': ok });
    const out = path.join(dir, 'build');
    const first = buildBundle({ policyDir: dir, outDir: out, opa });
    writeFileSync(path.join(dir, 'p.rego'), 'package taskguard.tasks\n\ndecision := {\n');
    assert.throws(() => buildBundle({ policyDir: dir, outDir: out, opa }), /opa build failed/);
    assert.equal(readBundle(out).manifest.revision, first.manifest.revision);
  });

  it('excludes _test.rego files and the build folder from the bundle', () => {
    const dir = writePolicy({ 'p.rego': ok, 'p_test.rego': 'package taskguard.tasks_test\n\ntest_x if time.now_ns() > 0\n' });
    const { manifest } = buildBundle({ policyDir: dir, outDir: path.join(dir, 'build'), opa });
    assert.match(manifest.revision, /^[0-9a-f]{64}$/);
  });

  it('refuses a folder with no rego', () => {
    const dir = writePolicy({ 'README.md': 'nothing here' });
    assert.throws(() => buildBundle({ policyDir: dir, outDir: path.join(dir, 'build'), opa }), /no rego files/);
  });
});

describe('reading a bundle', () => {
  it('rejects a policy.wasm that does not match its manifest', () => {
    const dir = path.join(tempDir(), 'b');
    cpSync(defaultBundleDir, dir, { recursive: true });
    const wasm = readFileSync(path.join(dir, BUNDLE_FILES.wasm));
    wasm.writeUInt8(wasm.readUInt8(wasm.length - 1) ^ 0xff, wasm.length - 1);
    writeFileSync(path.join(dir, BUNDLE_FILES.wasm), wasm);
    assert.throws(() => readBundle(dir), (e: unknown) => e instanceof TaskguardError && e.code === 'bundle_invalid');
  });

  it('rejects edited data', () => {
    const dir = path.join(tempDir(), 'b');
    cpSync(defaultBundleDir, dir, { recursive: true });
    const file = path.join(dir, BUNDLE_FILES.data);
    writeFileSync(file, readFileSync(file, 'utf8').replace('"max_ttl_ms": 3600000', '"max_ttl_ms": 999999999'));
    assert.throws(() => readBundle(dir), /data_revision/);
  });

  it('says to run the build when the folder is missing', () => {
    assert.throws(() => readBundle(path.join(tempDir(), 'nothing')), (e: unknown) => e instanceof TaskguardError && e.code === 'bundle_missing' && /taskguard build/.test(e.message));
  });
});
