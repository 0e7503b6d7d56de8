import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readBundle, readVerifiedBundle } from '../../src/decision/bundle.js';
import { readBundleFiles } from '../../src/decision/bundle-files.js';
import type { BundleVerification } from '../../src/decision/bundle-signature.js';
import { loadVerifiedDecider } from '../../src/decision/engine.js';
import { TaskguardError } from '../../src/errors.js';
import { buildSignedBundle } from '../../src/policy/build.js';
import { signBundleFiles, type SigningOptions } from '../../src/policy/sign.js';
import { writeTarGz } from '../../src/policy/tar.js';
import { defaultPolicyDir } from '../../src/util/paths.js';
import { opa, tempDir } from '../support/temp-policy.js';
import { copyBundleDir, editArchive, generateKeyFiles, opaVerifies, runOpa, signatureParts } from './signing-support.js';

const keys = generateKeyFiles();
/** What the taskguard-signed bundle below is verified with, by taskguard and by OPA. */
const ours: BundleVerification = { keys: { ci: { keyFile: keys.ecPublic, algorithm: 'ES256' } }, scope: 'taskguard' };
const oursForOpa = ['--verification-key', keys.ecPublic, '--signing-alg', 'ES256', '--scope', 'taskguard'];
const opaSigned: BundleVerification = { keys: { default: { keyFile: keys.rsaPublic } } };
const opaSignedForOpa = ['--verification-key', keys.rsaPublic];

let signedDir: string;
let signedArchive: string;
let opaArchive: string;

before(async () => {
  signedDir = path.join(tempDir(), 'signed');
  signedArchive = path.join(tempDir(), 'signed.tar.gz');
  await buildSignedBundle({
    policyDir: defaultPolicyDir, outDir: signedDir, archive: signedArchive, opa,
    signing: { keyFile: keys.ecPrivate, keyId: 'ci', scope: 'taskguard' },
  });
  opaArchive = path.join(tempDir(), 'opa-signed.tar.gz');
  const run = runOpa(['build', '-b', '.', '-t', 'wasm', '-e', 'taskguard/tasks/decision', '--ignore', '*_test.rego', '--ignore', 'build',
    '--signing-key', keys.rsaPrivate, '-o', opaArchive], defaultPolicyDir);
  assert.equal(run.status, 0, run.output);
});

/** Re-signs a copy of the taskguard-signed folder with other options; returns the folder and its archive. */
async function resigned(signing: SigningOptions): Promise<{ dir: string; archive: string }> {
  const dir = copyBundleDir(signedDir);
  const files = new Map(readBundleFiles(dir));
  files.delete('.signatures.json');
  const signed = await signBundleFiles(files, signing);
  writeFileSync(path.join(dir, '.signatures.json'), signed.text);
  files.set('.signatures.json', Buffer.from(signed.text));
  const archive = path.join(tempDir(), 'resigned.tar.gz');
  writeFileSync(archive, writeTarGz(files));
  return { dir, archive };
}

async function refusal(source: string, verification: BundleVerification): Promise<string> {
  try {
    await readVerifiedBundle(source, verification);
  } catch (err) {
    assert.ok(err instanceof TaskguardError && err.code === 'signature_invalid', String(err));
    return err.message;
  }
  assert.fail(`taskguard accepted ${source}`);
}

describe('a bundle taskguard signed', () => {
  it('passes OPA\'s own verification (opa build -b ARCHIVE --verification-key)', () => {
    const run = opaVerifies(signedArchive, oursForOpa);
    assert.equal(run.status, 0, run.output);
  });

  it('signs exactly the files of its folder, as OPA\'s .signatures.json: one ES256 JWS with kid, keyid and scope', () => {
    const { header, claims } = signatureParts(signedDir);
    assert.deepEqual(header, { alg: 'ES256', kid: 'ci', typ: 'JWT' });
    const files = claims['files'] as Array<{ name: string; algorithm: string }>;
    assert.deepEqual(files.map((f) => f.name), ['.manifest', 'data.json', 'manifest.json', 'policy.wasm']);
    assert.ok(files.every((f) => f.algorithm === 'SHA-256'));
    assert.equal(claims['scope'], 'taskguard');
    assert.equal(claims['keyid'], 'ci');
    assert.deepEqual([...readBundleFiles(signedDir).keys()].sort(), ['.manifest', '.signatures.json', 'data.json', 'manifest.json', 'policy.wasm']);
  });

  it('is accepted by taskguard as a folder and as an archive, and decides with the wasm it signed', async () => {
    const folder = await readVerifiedBundle(signedDir, ours);
    assert.deepEqual(folder.signature, { keyId: 'ci', algorithm: 'ES256', scope: 'taskguard', files: 4 });
    const decider = await loadVerifiedDecider(signedArchive, ours);
    assert.equal(decider.revision, folder.manifest.revision);
    assert.equal(typeof decider.decide({ op: 'get' }).allow, 'boolean');
  });

  it('with an RSA key signs RS256 by default; with an HMAC secret, HS256; OPA and taskguard verify both', async () => {
    const rsa = await resigned({ keyFile: keys.rsaPrivate });
    assert.equal(signatureParts(rsa.dir).header['alg'], 'RS256');
    assert.equal(opaVerifies(rsa.archive, ['--verification-key', keys.rsaPublic]).status, 0);
    assert.equal((await readVerifiedBundle(rsa.dir, opaSigned)).signature?.algorithm, 'RS256');

    const hmac = await resigned({ keyFile: keys.hmacSecret, algorithm: 'HS256', keyId: 'shared' });
    const run = opaVerifies(hmac.archive, ['--verification-key', keys.hmacSecret, '--signing-alg', 'HS256']);
    assert.equal(run.status, 0, run.output);
    process.env['TASKGUARD_TEST_BUNDLE_HMAC'] = readFileSync(keys.hmacSecret, 'utf8');
    const viaEnv = await readVerifiedBundle(hmac.archive, { keys: { shared: { keyEnv: 'TASKGUARD_TEST_BUNDLE_HMAC', algorithm: 'HS256' } } });
    assert.equal(viaEnv.signature?.keyId, 'shared');
  });

  it('with a claims file, carries its claims and no kid or keyid (as OPA): a verifier then needs key_id', async () => {
    const claimsFile = path.join(tempDir(), 'claims.json');
    writeFileSync(claimsFile, JSON.stringify({ iss: 'ci', scope: 'taskguard' }));
    const { dir, archive } = await resigned({ keyFile: keys.ecPrivate, claimsFile });
    const { header, claims } = signatureParts(dir);
    assert.deepEqual(header, { alg: 'ES256', typ: 'JWT' });
    assert.equal(claims['iss'], 'ci');
    assert.equal(claims['keyid'], undefined);
    assert.equal(opaVerifies(archive, oursForOpa).status, 0);
    assert.match(await refusal(dir, ours), /names no key id/);
    assert.equal((await readVerifiedBundle(dir, { ...ours, keyId: 'ci' })).signature?.scope, 'taskguard');
  });
});

describe('a bundle OPA signed (opa build -b -t wasm --signing-key)', () => {
  it('is accepted by taskguard, every file listed, with the very wasm taskguard builds', async () => {
    const bundle = await readVerifiedBundle(opaArchive, opaSigned);
    assert.equal(bundle.signature?.keyId, 'default');
    assert.equal(bundle.signature?.files, readBundleFiles(opaArchive).size - 1);
    assert.deepEqual(Buffer.from(bundle.wasm), readFileSync(path.join(signedDir, 'policy.wasm')));
    assert.deepEqual(bundle.data, readBundle(signedDir).data);
  });

  it('with a claims file and an EC key: taskguard checks the scope it carries', async () => {
    const claimsFile = path.join(tempDir(), 'claims.json');
    writeFileSync(claimsFile, JSON.stringify({ iss: 'ci', scope: 'taskguard' }));
    const archive = path.join(tempDir(), 'opa-claims.tar.gz');
    const run = runOpa(['build', '-b', '.', '-t', 'wasm', '-e', 'taskguard/tasks/decision', '--ignore', '*_test.rego', '--ignore', 'build',
      '--signing-key', keys.ecPrivate, '--signing-alg', 'ES256', '--claims-file', claimsFile, '-o', archive], defaultPolicyDir);
    assert.equal(run.status, 0, run.output);
    assert.equal((await readVerifiedBundle(archive, { ...ours, keyId: 'ci' })).signature?.scope, 'taskguard');
    assert.match(await refusal(archive, { ...ours, keyId: 'ci', scope: 'prod' }), /has scope "taskguard", expected scope "prod"/);
  });

  it('tampered, is refused by taskguard and by OPA', async () => {
    const tampered = editArchive(opaArchive, (files) => {
      files.set('data.json', Buffer.from((files.get('data.json') as Buffer).toString().replace('3600000', '999999999')));
    });
    assert.match(await refusal(tampered, opaSigned), /file data\.json in .* does not match its signature/);
    assert.match(opaVerifies(tampered, opaSignedForOpa).output, /data\.json: digest mismatch/);
  });
});

describe('refused by taskguard, and by OPA, with a one-line reason naming the file', () => {
  const flipLastByte = (bytes: Buffer): Buffer => {
    const copy = Buffer.from(bytes);
    copy.writeUInt8((copy.at(-1) as number) ^ 0xff, copy.length - 1);
    return copy;
  };
  const cases: Array<{ what: string; edit?: (files: Map<string, Buffer>) => void; verification?: BundleVerification; opaArgs?: string[]; ours: RegExp; opa: RegExp }> = [
    {
      what: 'edited data',
      edit: (files) => void files.set('data.json', Buffer.from((files.get('data.json') as Buffer).toString().replace('"max_ttl_ms": 3600000', '"max_ttl_ms": 999999999'))),
      ours: /^file data\.json in \S+ does not match its signature \(SHA-256 signed [0-9a-f]{12}, got [0-9a-f]{12}\)$/, opa: /data\.json: digest mismatch/,
    },
    { what: 'a swapped policy.wasm', edit: (files) => void files.set('policy.wasm', flipLastByte(files.get('policy.wasm') as Buffer)), ours: /file policy\.wasm .* does not match/, opa: /policy\.wasm: digest mismatch/ },
    { what: 'an edited .manifest', edit: (files) => void files.set('.manifest', Buffer.from('{"revision":"evil","roots":[""]}')), ours: /file \.manifest .* does not match/, opa: /\.manifest: digest mismatch/ },
    { what: 'a file the signature does not list', edit: (files) => void files.set('extra.rego', Buffer.from('package taskguard.tasks\n')), ours: /^file extra\.rego in \S+ is not listed in its signature$/, opa: /file extra\.rego not included in bundle signature/ },
    { what: 'a listed file that is missing', edit: (files) => void files.delete('manifest.json'), ours: /^file\(s\) manifest\.json listed in the signature of \S+ are missing from it$/, opa: /\[manifest\.json\] specified in bundle signatures but not found/ },
    { what: 'no signature at all', edit: (files) => void files.delete('.signatures.json'), ours: /is not signed: it has no \.signatures\.json/, opa: /bundle missing \.signatures\.json/ },
    {
      what: 'the wrong key',
      verification: { ...ours, keys: { ci: { keyFile: keys.otherEcPublic, algorithm: 'ES256' } } },
      opaArgs: ['--verification-key', keys.otherEcPublic, '--signing-alg', 'ES256', '--scope', 'taskguard'],
      ours: /does not verify with key "ci" \(ES256\)/, opa: /failed to verify JWT signature/,
    },
    { what: 'the wrong scope', verification: { ...ours, scope: 'prod' }, opaArgs: ['--verification-key', keys.ecPublic, '--signing-alg', 'ES256', '--scope', 'prod'], ours: /has scope "taskguard", expected scope "prod"/, opa: /scope mismatch/ },
    { what: 'a scope where none is expected', verification: { keys: ours.keys }, opaArgs: ['--verification-key', keys.ecPublic, '--signing-alg', 'ES256'], ours: /has scope "taskguard", expected no scope/, opa: /scope mismatch/ },
  ];
  for (const c of cases) {
    it(c.what, async () => {
      const archive = c.edit ? editArchive(signedArchive, c.edit) : signedArchive;
      assert.match(await refusal(archive, c.verification ?? ours), c.ours);
      const run = opaVerifies(archive, c.opaArgs ?? oursForOpa);
      assert.notEqual(run.status, 0);
      assert.match(run.output, c.opa);
    });
  }

  it('a file added to a signed folder, at the top or in a subfolder', async () => {
    const top = copyBundleDir(signedDir);
    writeFileSync(path.join(top, 'notes.txt'), 'hello');
    assert.match(await refusal(top, ours), /file notes\.txt in .* is not listed/);
    const nested = copyBundleDir(signedDir);
    mkdirSync(path.join(nested, 'sub'));
    writeFileSync(path.join(nested, 'sub', 'x.rego'), 'package x\n');
    assert.match(await refusal(nested, ours), /file sub\/x\.rego in .* is not listed/);
  });
});
