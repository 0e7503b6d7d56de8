import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readBundleFiles } from '../../src/decision/bundle-files.js';
import { readTarGz, writeTarGz } from '../../src/policy/tar.js';
import { opa, tempDir } from '../support/temp-policy.js';

export interface KeyFiles {
  dir: string;
  rsaPrivate: string;
  rsaPublic: string;
  ecPrivate: string;
  ecPublic: string;
  /** Another P-256 key: the right type, the wrong key. */
  otherEcPublic: string;
  hmacSecret: string;
}

/** Fresh keys in a temp folder (never committed), as PEM files and one HMAC secret file. */
export function generateKeyFiles(): KeyFiles {
  const dir = tempDir('taskguard-keys-');
  const write = (name: string, text: string | Buffer): string => {
    const file = path.join(dir, name);
    writeFileSync(file, text, { mode: 0o600 });
    return file;
  };
  const pem = (pair: { publicKey: KeyObject; privateKey: KeyObject }): { publicKey: string; privateKey: string } => ({
    publicKey: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKey: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  });
  const rsa = pem(generateKeyPairSync('rsa', { modulusLength: 2048 }));
  const ec = pem(generateKeyPairSync('ec', { namedCurve: 'P-256' }));
  const other = pem(generateKeyPairSync('ec', { namedCurve: 'P-256' }));
  return {
    dir,
    rsaPrivate: write('rsa.pem', rsa.privateKey),
    rsaPublic: write('rsa.pub.pem', rsa.publicKey),
    ecPrivate: write('ec.pem', ec.privateKey),
    ecPublic: write('ec.pub.pem', ec.publicKey),
    otherEcPublic: write('other.pub.pem', other.publicKey),
    hmacSecret: write('hmac.secret', randomBytes(32).toString('hex')),
  };
}

/** The pinned OPA CLI; exit status and all it printed. */
export function runOpa(args: string[], cwd?: string): { status: number | null; output: string } {
  const run = spawnSync(opa, args, { encoding: 'utf8', ...(cwd ? { cwd } : {}) });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** OPA's own verifier: `opa build -b BUNDLE --verification-key KEY ...`, which needs no wasm engine. */
export function opaVerifies(bundle: string, args: string[]): { status: number | null; output: string } {
  return runOpa(['build', '-b', bundle, '-o', path.join(tempDir(), 'verified.tar.gz'), ...args]);
}

/** A copy of a bundle archive with `edit` applied to its files. */
export function editArchive(archive: string, edit: (files: Map<string, Buffer>) => void): string {
  const files = readTarGz(readFileSync(archive));
  edit(files);
  const out = path.join(tempDir(), 'edited.tar.gz');
  writeFileSync(out, writeTarGz(files));
  return out;
}

/** A copy of a bundle folder, to tamper with. */
export function copyBundleDir(dir: string): string {
  const copy = path.join(tempDir(), 'bundle');
  cpSync(dir, copy, { recursive: true });
  return copy;
}

/** The protected header and claims of a bundle's signature, read without verifying it. */
export function signatureParts(source: string): { header: Record<string, unknown>; claims: Record<string, unknown> } {
  const text = readBundleFiles(source).get('.signatures.json')?.toString('utf8') ?? '{}';
  const [header, claims] = ((JSON.parse(text) as { signatures: string[] }).signatures[0] ?? '').split('.').slice(0, 2)
    .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>);
  return { header: header ?? {}, claims: claims ?? {} };
}
