import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CompactSign } from 'jose';
import { readBundle, readVerifiedBundle } from '../../src/decision/bundle.js';
import type { BundleVerification } from '../../src/decision/bundle-signature.js';
import { TaskguardError } from '../../src/errors.js';
import { buildBundle, buildSignedBundle } from '../../src/policy/build.js';
import { opa, tempDir, writePolicy } from '../support/temp-policy.js';
import { copyBundleDir, generateKeyFiles, signatureParts } from './signing-support.js';

const keys = generateKeyFiles();
const ec = { keyFile: keys.ecPublic, algorithm: 'ES256' } as const;
const policy = 'package taskguard.tasks\n\ndecision := {"allow": false, "reasons": ["nope"], "delegated": false}\n';
let signedDir: string;

before(async () => {
  const policyDir = writePolicy({ 'p.rego': policy });
  signedDir = path.join(policyDir, 'build');
  await buildSignedBundle({ policyDir, outDir: signedDir, opa, signing: { keyFile: keys.ecPrivate, keyId: 'ci' } });
});

async function rejects(source: string, verification: BundleVerification, code: string, message: RegExp): Promise<void> {
  await assert.rejects(readVerifiedBundle(source, verification), (e: unknown) => e instanceof TaskguardError && e.code === code && message.test(e.message));
}

/** A copy of the signed folder whose .signatures.json is replaced by `document`. */
function withSignatures(document: unknown): string {
  const dir = copyBundleDir(signedDir);
  writeFileSync(path.join(dir, '.signatures.json'), JSON.stringify(document));
  return dir;
}

describe('choosing the verification key', () => {
  it('among several keys, by the signature\'s kid', async () => {
    const bundle = await readVerifiedBundle(signedDir, { keys: { old: { keyFile: keys.rsaPublic }, ci: ec } });
    assert.equal(bundle.signature?.keyId, 'ci');
  });

  it('key_id wins over the kid, as in OPA', async () => {
    await rejects(signedDir, { keys: { old: { keyFile: keys.rsaPublic }, ci: ec }, keyId: 'old' }, 'signature_invalid', /key "old" is configured for RS256/);
  });

  it('a kid that names no configured key is refused', async () => {
    await rejects(signedDir, { keys: { other: ec } }, 'signature_invalid', /by key "ci", which is not a configured verification key/);
  });

  it('the algorithm is the key\'s, never the signature\'s: ES384 configured, ES256 signed, refused', async () => {
    await rejects(signedDir, { keys: { ci: { ...ec, algorithm: 'ES384' } } }, 'signature_invalid', /is "ES256", but key "ci" is configured for ES384/);
  });

  it('an HS256 signature keyed with the public key (algorithm confusion) is refused', async () => {
    const { claims } = signatureParts(signedDir);
    const forged = await new CompactSign(Buffer.from(JSON.stringify(claims)))
      .setProtectedHeader({ alg: 'HS256', kid: 'ci', typ: 'JWT' }).sign(readFileSync(keys.ecPublic));
    await rejects(withSignatures({ signatures: [forged] }), { keys: { ci: ec } }, 'signature_invalid', /is "HS256", but key "ci" is configured for ES256/);
  });

  it('an unsigned "none" token is refused', async () => {
    const { claims } = signatureParts(signedDir);
    const none = `${Buffer.from('{"alg":"none","kid":"ci"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;
    await rejects(withSignatures({ signatures: [none] }), { keys: { ci: ec } }, 'signature_invalid', /is "none"/);
  });

  it('exactly one signature, from OPA\'s default signer', async () => {
    const token = (JSON.parse(readFileSync(path.join(signedDir, '.signatures.json'), 'utf8')) as { signatures: string[] }).signatures[0];
    await rejects(withSignatures({ signatures: [token, token] }), { keys: { ci: ec } }, 'signature_invalid', /exactly one signature/);
    await rejects(withSignatures({ signatures: [token], plugin: 'kms' }), { keys: { ci: ec } }, 'signature_invalid', /signing plugin "kms"/);
  });

  it('a PKCS#1 RSA public key verifies like an SPKI one', async () => {
    const policyDir = writePolicy({ 'p.rego': policy });
    await buildSignedBundle({ policyDir, outDir: path.join(policyDir, 'build'), opa, signing: { keyFile: keys.rsaPrivate } });
    const pkcs1 = path.join(tempDir(), 'rsa.pkcs1.pem');
    writeFileSync(pkcs1, createPublicKey(readFileSync(keys.rsaPublic)).export({ type: 'pkcs1', format: 'pem' }));
    const bundle = await readVerifiedBundle(path.join(policyDir, 'build'), { keys: { default: { keyFile: pkcs1 } } });
    assert.equal(bundle.signature?.algorithm, 'RS256');
  });
});

describe('the verification itself', () => {
  it('exclude_files lets an extra file through, but never one taskguard loads', async () => {
    const dir = copyBundleDir(signedDir);
    writeFileSync(path.join(dir, 'README.txt'), 'notes');
    assert.equal((await readVerifiedBundle(dir, { keys: { ci: ec }, excludeFiles: ['*.txt'] })).signature?.keyId, 'ci');
    await rejects(dir, { keys: { ci: ec }, excludeFiles: ['policy.*'] }, 'config_invalid', /may not exclude policy\.wasm/);
  });

  it('a key needs exactly one source; a missing environment variable is named, not guessed', async () => {
    await rejects(signedDir, { keys: { ci: { ...ec, keyEnv: 'X' } } }, 'config_invalid', /exactly one of key, key_file, key_env/);
    delete process.env['TASKGUARD_TEST_UNSET_KEY'];
    await rejects(signedDir, { keys: { ci: { keyEnv: 'TASKGUARD_TEST_UNSET_KEY', algorithm: 'ES256' } } }, 'config_invalid', /TASKGUARD_TEST_UNSET_KEY is not set/);
    await rejects(signedDir, { keys: { ci: ec }, keyId: 'gone' }, 'config_invalid', /key id gone is not among its keys/);
  });

  it('readBundle, given no keys, reads a signed bundle without checking the signature', () => {
    const dir = copyBundleDir(signedDir);
    writeFileSync(path.join(dir, '.signatures.json'), '{"signatures": ["not.a.jws"]}');
    assert.equal(readBundle(dir).manifest.revision, readBundle(signedDir).manifest.revision);
  });

  it('an unsigned build into a signed folder removes the old signature, which could only fail', async () => {
    const policyDir = writePolicy({ 'p.rego': policy });
    const out = path.join(policyDir, 'build');
    await buildSignedBundle({ policyDir, outDir: out, opa, signing: { keyFile: keys.ecPrivate } });
    assert.ok(existsSync(path.join(out, '.signatures.json')));
    buildBundle({ policyDir, outDir: out, opa });
    assert.equal(existsSync(path.join(out, '.signatures.json')), false);
    assert.ok(existsSync(path.join(out, '.manifest')), 'the folder stays an OPA bundle');
  });
});
