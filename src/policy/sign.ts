import { readFileSync } from 'node:fs';
import { CompactSign } from 'jose';
import type { BundleFiles } from '../decision/bundle-files.js';
import { SIGNING_HASH, bundleFileHash } from '../decision/bundle-hash.js';
import { signingKeyFrom, type SigningAlgorithm } from '../decision/bundle-keys.js';
import { OPA_BUNDLE_FILES } from '../decision/bundle-names.js';
import { isRecord } from '../decision/parse.js';
import { TaskguardError, describeError } from '../errors.js';

/** `taskguard build --sign`: the same choices as `opa build --signing-key`. */
export interface SigningOptions {
  /** A PEM private key (RSA or EC), or a file of HMAC secret bytes (with an HS* algorithm). */
  keyFile: string;
  /** Default: implied by the key (RS256 for RSA, as OPA; ES256/384/512 by curve). */
  algorithm?: SigningAlgorithm;
  /** A JSON object of further claims (e.g. iss), as OPA's --claims-file. */
  claimsFile?: string;
  scope?: string;
  /** The JWS `kid`; default `default` (OPA's), or none with a claims file (as OPA). */
  keyId?: string;
}

export interface SignedBundle {
  /** The text of `.signatures.json`. */
  text: string;
  algorithm: SigningAlgorithm;
  keyId?: string;
}

/**
 * OPA's `.signatures.json` for `files` (every file of the bundle but the signatures themselves): one compact
 * JWS whose payload lists each file's name and SHA-256 hash, computed as OPA computes it, so that OPA and
 * taskguard verify it alike.
 */
export async function signBundleFiles(files: BundleFiles, options: SigningOptions): Promise<SignedBundle> {
  const { key, algorithm } = signingKeyFrom(readKey(options.keyFile), options.keyFile, options.algorithm);
  const claims = options.claimsFile ? readClaims(options.claimsFile) : {};
  if ('files' in claims) throw new TaskguardError('usage', `claims file ${options.claimsFile as string} may not set files`);
  if (options.scope !== undefined && claims['scope'] !== undefined && claims['scope'] !== options.scope) {
    throw new TaskguardError('usage', `--scope ${options.scope} disagrees with the scope in ${options.claimsFile as string}`);
  }
  const keyId = options.keyId ?? (options.claimsFile ? undefined : 'default');
  const listed = [...files.keys()].filter((name) => name !== OPA_BUNDLE_FILES.signatures).sort()
    .map((name) => ({ name, hash: bundleFileHash(name, files.get(name) as Buffer), algorithm: SIGNING_HASH }));
  const payload = {
    files: listed,
    ...claims,
    ...(options.scope !== undefined ? { scope: options.scope } : {}),
    // The deprecated keyid claim, which OPA writes only without a claims file; older verifiers read it.
    ...(keyId !== undefined && !options.claimsFile ? { keyid: keyId } : {}),
  };
  let token: string;
  try {
    token = await new CompactSign(Buffer.from(JSON.stringify(payload), 'utf8'))
      .setProtectedHeader({ alg: algorithm, typ: 'JWT', ...(keyId !== undefined ? { kid: keyId } : {}) })
      .sign(key);
  } catch (err) {
    throw new TaskguardError('usage', `cannot sign with ${options.keyFile} as ${algorithm}: ${describeError(err)}`);
  }
  return { text: `${JSON.stringify({ signatures: [token], plugin: '_default' }, null, 1)}\n`, algorithm, ...(keyId !== undefined ? { keyId } : {}) };
}

function readKey(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch {
    throw new TaskguardError('usage', `cannot read signing key ${file}`);
  }
}

function readClaims(file: string): Record<string, unknown> {
  let claims: unknown;
  try {
    claims = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new TaskguardError('usage', `claims file ${file} is not readable json`);
  }
  if (!isRecord(claims)) throw new TaskguardError('usage', `claims file ${file} is not a json object`);
  return claims;
}
