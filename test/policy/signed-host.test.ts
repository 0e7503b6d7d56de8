import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadHostConfig } from '../../src/config/host-config.js';
import { readVerifiedBundle } from '../../src/decision/bundle.js';
import { TaskguardError } from '../../src/errors.js';
import { createHostRuntime } from '../../src/host/reference-host.js';
import { readTarGz } from '../../src/policy/tar.js';
import { runCli } from '../support/run-cli.js';
import { defaultPolicyDir } from '../../src/util/paths.js';
import { tempDir, writePolicy } from '../support/temp-policy.js';
import { copyBundleDir, generateKeyFiles, opaVerifies, signatureParts } from './signing-support.js';

const keys = generateKeyFiles();
const policy = 'package taskguard.tasks\n\ndecision := {"allow": false, "reasons": ["nope"], "delegated": false}\n';
let policyDir: string;
let signedDir: string;

before(async () => {
  // The host validates policy data, so the bundled data comes along.
  policyDir = writePolicy({ 'p.rego': policy, 'data.yaml': readFileSync(path.join(defaultPolicyDir, 'data.yaml'), 'utf8') });
  signedDir = path.join(policyDir, 'build');
  const r = await runCli('build', '--policies', policyDir, '--sign', keys.ecPrivate, '--key-id', 'ci', '--scope', 'taskguard');
  assert.equal(r.code, 0, r.err);
});

/** A host config file in a fresh folder (key paths in it are relative to that folder). */
function configFile(yaml: string): string {
  const dir = tempDir('taskguard-host-');
  writeFileSync(path.join(dir, 'ci.pub.pem'), readFileSync(keys.ecPublic));
  const file = path.join(dir, 'taskguard.yaml');
  writeFileSync(file, `state_dir: state\nstore: {kind: memory}\ndemo: {tools: false}\n${yaml}`);
  return file;
}

const verificationYaml = (bundle: string, extra = ''): string =>
  `policy:\n  bundle: ${bundle}\n  verification:\n    keys: {ci: {key_file: ci.pub.pem, algorithm: ES256}}\n    scope: taskguard\n${extra}`;

describe('taskguard build --sign', () => {
  it('writes .signatures.json (ES256 from the P-256 key, kid ci, scope) and says so', async () => {
    const { header, claims } = signatureParts(signedDir);
    assert.deepEqual(header, { alg: 'ES256', kid: 'ci', typ: 'JWT' });
    assert.equal(claims['scope'], 'taskguard');
    const out = path.join(tempDir(), 'b');
    const archive = path.join(tempDir(), 'b.tar.gz');
    const r = await runCli('build', '--policies', policyDir, '--out', out, '--archive', archive, '--sign', keys.rsaPrivate);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /^signed 4 files with RS256, key id default$/m);
    assert.deepEqual([...readTarGz(readFileSync(archive)).keys()].sort(), ['.manifest', '.signatures.json', 'data.json', 'manifest.json', 'policy.wasm']);
    assert.equal(opaVerifies(archive, ['--verification-key', keys.rsaPublic]).status, 0);
  });

  it('refuses signing options without --sign, an algorithm OPA does not know, and a secret with no HMAC algorithm', async () => {
    const out = path.join(tempDir(), 'never');
    const withoutKey = await runCli('build', '--policies', policyDir, '--out', out, '--scope', 'x');
    assert.equal(withoutKey.code, 2);
    assert.match(withoutKey.err, /--scope needs --sign KEY/);
    const eddsa = await runCli('build', '--policies', policyDir, '--out', out, '--sign', keys.ecPrivate, '--signing-alg', 'EdDSA');
    assert.equal(eddsa.code, 2);
    assert.match(eddsa.err, /--signing-alg must be one of RS256/);
    const secret = await runCli('build', '--policies', policyDir, '--out', out, '--sign', keys.hmacSecret);
    assert.equal(secret.code, 2);
    assert.match(secret.err, /not a pem private key; for an hmac secret pass --signing-alg HS256/);
    assert.equal(existsSync(out), false, 'a refused signing writes nothing');
  });
});

describe('policy.verification in the host config', () => {
  it('resolves key files against the config file and keeps no key material', () => {
    const file = configFile(verificationYaml(signedDir, '    key_id: ci\n'));
    const { policy: p } = loadHostConfig(file);
    assert.deepEqual(p.verification, { keys: { ci: { algorithm: 'ES256', keyFile: path.join(path.dirname(file), 'ci.pub.pem') } }, keyId: 'ci', scope: 'taskguard' });
  });

  it('reports every problem by its path', () => {
    const file = configFile('policy:\n  verification:\n    keys: {a: {algorithm: EdDSA, key_file: x, key_env: Y}, b: {key_env: "not a name"}}\n    key_id: c\n    extra: 1\n');
    assert.throws(() => loadHostConfig(file), (e: unknown) => {
      assert.ok(e instanceof TaskguardError && e.code === 'config_invalid');
      for (const problem of [
        /policy\.verification\.keys\.a\.algorithm: must be one of/, /policy\.verification\.keys\.a: needs exactly one of key_file, key_env/,
        /policy\.verification\.keys\.b\.key_env: must be an environment variable name/, /policy\.verification\.key_id: must be one of the keys/,
        /policy\.verification\.extra: unknown key/,
      ]) assert.match(e.message, problem);
      return true;
    });
  });

  it('refuses a data file beside a signed bundle: no signature would cover what decides', () => {
    assert.throws(() => loadHostConfig(configFile(`${verificationYaml(signedDir)}  data: other.yaml\n`)), /policy\.data: cannot replace the data of a signed bundle/);
  });

  it('the host starts on a bundle whose signature verifies, and refuses a tampered one before it serves', async () => {
    const runtime = await createHostRuntime(loadHostConfig(configFile(verificationYaml(signedDir))), () => {});
    assert.equal(runtime.decider.revision, (await readVerifiedBundle(signedDir, { keys: { ci: { keyFile: keys.ecPublic, algorithm: 'ES256' } }, scope: 'taskguard' })).manifest.revision);
    await runtime.settle(() => {});

    const tampered = copyBundleDir(signedDir);
    const data = path.join(tampered, 'data.json');
    writeFileSync(data, readFileSync(data, 'utf8').replace('"max_ttl_ms": 3600000', '"max_ttl_ms": 999999999'));
    await assert.rejects(createHostRuntime(loadHostConfig(configFile(verificationYaml(tampered))), () => {}),
      (e: unknown) => e instanceof TaskguardError && e.code === 'signature_invalid' && /file data\.json in .* does not match its signature/.test(e.message));
  });

  it('with keys configured, an unsigned bundle is refused', async () => {
    const unsigned = copyBundleDir(signedDir);
    rmSync(path.join(unsigned, '.signatures.json'));
    await assert.rejects(createHostRuntime(loadHostConfig(configFile(verificationYaml(unsigned))), () => {}),
      (e: unknown) => e instanceof TaskguardError && e.code === 'signature_invalid' && /is not signed: it has no \.signatures\.json/.test(e.message));
  });
});
