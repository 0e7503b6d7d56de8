import path from 'node:path';
import { compactVerify, decodeProtectedHeader } from 'jose';
import { TaskguardError, describeError } from '../errors.js';
import type { BundleFiles } from './bundle-files.js';
import { bundleFileHash } from './bundle-hash.js';
import { BUNDLE_FILES, OPA_BUNDLE_FILES } from './bundle-names.js';
import { DEFAULT_SIGNING_ALGORITHM, verificationKeyFor, type SigningAlgorithm, type VerificationKey } from './bundle-keys.js';
import { globMatch } from './glob.js';
import { opaCanonicalJson } from './opa-json.js';
import { isRecord } from './parse.js';

const SIGNATURES_FILE = OPA_BUNDLE_FILES.signatures;

/** Files taskguard loads from a bundle: a verification may never exempt them from the signature. */
const LOADED_FILES = [...Object.values(BUNDLE_FILES), OPA_BUNDLE_FILES.manifest];

/**
 * How bundle signatures are checked, as OPA's `bundles.<name>.signing` plus `keys`. With OPA 1.22's
 * semantics: configuring this at all requires a signature; without `keyId` the key is chosen by the
 * signature's `kid` header (then its deprecated `keyid` claim) among `keys`, so several keys can be in
 * rotation; the algorithm always comes from the chosen key, never from the signature.
 */
export interface BundleVerification {
  keys: Readonly<Record<string, VerificationKey>>;
  /** Always verify with this key (OPA's `signing.keyid`). */
  keyId?: string;
  /** The scope the signature must carry exactly; else the chosen key's scope; else none. */
  scope?: string;
  /** Globs (Go's filepath.Match) of files the signature need not cover; never a file taskguard loads. */
  excludeFiles?: readonly string[];
}

/** What a bundle's signature was verified with. */
export interface BundleSignature {
  keyId: string;
  algorithm: SigningAlgorithm;
  scope?: string;
  /** How many files the signature covered. */
  files: number;
}

interface SignedFile {
  name: string;
  hash: string;
  algorithm: string;
}

/**
 * OPA's four checks on a bundle's `.signatures.json`, in its order: choose the key, verify the JWS, match the
 * scope, then match the file list to the bundle exactly (every file listed, every hash equal, nothing listed
 * that is absent). Throws a `signature_invalid` error naming the reason and, for a file, the file.
 */
export async function verifyBundleSignature(files: BundleFiles, verification: BundleVerification, dir: string): Promise<BundleSignature> {
  checkVerification(verification);
  const token = signatureToken(files, dir);

  let header: Record<string, unknown>;
  let unverifiedClaims: unknown;
  try {
    header = decodeProtectedHeader(token);
    unverifiedClaims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
  } catch {
    throw fail(`the signature in ${dir} is not a compact jws`);
  }
  // Read only to pick a key, as OPA does; nothing from it counts until the signature has verified.
  const keyId = verification.keyId
    || (typeof header['kid'] === 'string' ? header['kid'] : '')
    || (isRecord(unverifiedClaims) && typeof unverifiedClaims['keyid'] === 'string' ? unverifiedClaims['keyid'] : '');
  if (!keyId) throw fail(`the signature in ${dir} names no key id and none is configured`);
  const keyConfig = Object.hasOwn(verification.keys, keyId) ? verification.keys[keyId] : undefined;
  if (!keyConfig) throw fail(`the signature in ${dir} is by key ${JSON.stringify(keyId)}, which is not a configured verification key`);
  const algorithm = keyConfig.algorithm ?? DEFAULT_SIGNING_ALGORITHM;
  if (header['alg'] !== algorithm) {
    throw fail(`the signature in ${dir} is ${JSON.stringify(header['alg'])}, but key ${JSON.stringify(keyId)} is configured for ${algorithm}`);
  }

  let claims: unknown;
  try {
    const { payload } = await compactVerify(token, verificationKeyFor(keyId, keyConfig), { algorithms: [algorithm] });
    claims = JSON.parse(opaCanonicalJson(payload, 'the signature payload'));
  } catch (err) {
    if (err instanceof TaskguardError && err.code === 'config_invalid') throw err;
    throw fail(`the signature in ${dir} does not verify with key ${JSON.stringify(keyId)} (${algorithm}): ${describeError(err)}`);
  }

  const expectedScope = verification.scope || keyConfig.scope || '';
  const scope = isRecord(claims) && typeof claims['scope'] === 'string' ? claims['scope'] : '';
  if (scope !== expectedScope) {
    const describe = (value: string): string => (value ? `scope ${JSON.stringify(value)}` : 'no scope');
    throw fail(`the signature in ${dir} has ${describe(scope)}, expected ${describe(expectedScope)}`);
  }
  const listed = signedFiles(claims, dir);
  const count = listed.size;
  checkFiles(files, listed, verification.excludeFiles ?? [], dir);
  return { keyId, algorithm, ...(scope ? { scope } : {}), files: count };
}

function checkVerification(verification: BundleVerification): void {
  if (Object.keys(verification.keys).length === 0) throw new TaskguardError('config_invalid', 'bundle verification needs at least one key');
  for (const [id, key] of Object.entries(verification.keys)) {
    if ([key.key, key.keyFile, key.keyEnv].filter((v) => v !== undefined).length !== 1) {
      throw new TaskguardError('config_invalid', `verification key ${id} needs exactly one of key, key_file, key_env`);
    }
  }
  if (verification.keyId && !Object.hasOwn(verification.keys, verification.keyId)) {
    throw new TaskguardError('config_invalid', `bundle verification key id ${verification.keyId} is not among its keys`);
  }
  for (const pattern of verification.excludeFiles ?? []) {
    const loaded = LOADED_FILES.find((name) => globMatch(pattern, name));
    if (loaded) throw new TaskguardError('config_invalid', `bundle verification may not exclude ${loaded} (pattern ${pattern}): taskguard loads it`);
  }
}

function signatureToken(files: BundleFiles, dir: string): string {
  const names = [...files.keys()].filter((name) => path.posix.basename(name) === SIGNATURES_FILE);
  if (names.length === 0) throw fail(`bundle ${dir} is not signed: it has no ${SIGNATURES_FILE}`);
  if (names.length > 1 || names[0] !== SIGNATURES_FILE) throw fail(`bundle ${dir} must have exactly one top-level ${SIGNATURES_FILE}`);
  let document: unknown;
  try {
    document = JSON.parse(opaCanonicalJson(files.get(SIGNATURES_FILE) as Buffer, SIGNATURES_FILE));
  } catch {
    throw fail(`${SIGNATURES_FILE} in ${dir} is not json`);
  }
  const tokens = isRecord(document) ? document['signatures'] : undefined;
  const plugin = isRecord(document) ? document['plugin'] : undefined;
  if (plugin !== undefined && plugin !== '' && plugin !== '_default') {
    throw fail(`${SIGNATURES_FILE} in ${dir} is for the signing plugin ${JSON.stringify(plugin)}; only OPA's default signer is supported`);
  }
  if (!Array.isArray(tokens) || tokens.length !== 1 || typeof tokens[0] !== 'string') {
    throw fail(`${SIGNATURES_FILE} in ${dir} must hold exactly one signature`);
  }
  return tokens[0];
}

function signedFiles(claims: unknown, dir: string): Map<string, SignedFile> {
  const list = isRecord(claims) ? claims['files'] : undefined;
  if (!Array.isArray(list)) throw fail(`the signature in ${dir} lists no files`);
  const listed = new Map<string, SignedFile>();
  for (const entry of list) {
    if (!isRecord(entry) || typeof entry['name'] !== 'string' || typeof entry['hash'] !== 'string' || typeof entry['algorithm'] !== 'string') {
      throw fail(`the signature in ${dir} has a file entry without name, hash and algorithm`);
    }
    const file: SignedFile = { name: entry['name'], hash: entry['hash'], algorithm: entry['algorithm'] };
    if (listed.has(file.name)) throw fail(`the signature in ${dir} lists ${file.name} twice`);
    listed.set(file.name, file);
  }
  return listed;
}

function checkFiles(files: BundleFiles, listed: Map<string, SignedFile>, exclude: readonly string[], dir: string): void {
  for (const name of [...files.keys()].sort()) {
    if (name === SIGNATURES_FILE) continue;
    const entry = listed.get(name);
    listed.delete(name);
    if (exclude.some((pattern) => globMatch(pattern, name))) continue;
    if (!entry) throw fail(`file ${name} in ${dir} is not listed in its signature`);
    const actual = bundleFileHash(name, files.get(name) as Buffer, entry.algorithm);
    if (!/^(?:[0-9a-fA-F]{2})+$/.test(entry.hash) || entry.hash.toLowerCase() !== actual) {
      throw fail(`file ${name} in ${dir} does not match its signature (${entry.algorithm} signed ${entry.hash.slice(0, 12)}, got ${actual.slice(0, 12)})`);
    }
  }
  if (listed.size > 0) {
    throw fail(`file(s) ${[...listed.keys()].sort().join(', ')} listed in the signature of ${dir} are missing from it`);
  }
}

function fail(message: string): TaskguardError {
  return new TaskguardError('signature_invalid', message);
}
