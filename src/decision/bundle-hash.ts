import { createHash } from 'node:crypto';
import path from 'node:path';
import { TaskguardError } from '../errors.js';
import { opaCanonicalJson } from './opa-json.js';

/**
 * The file hash algorithms OPA can verify, by their names in a signature, mapped to node's. MD5 and SHA-1
 * are left out on purpose: OPA only ever signs with SHA-256, and a signature over a collidable hash is not
 * one taskguard will trust.
 */
const HASHES: Readonly<Record<string, string>> = {
  'SHA-224': 'sha224',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
  'SHA-512-224': 'sha512-224',
  'SHA-512-256': 'sha512-256',
};

export const SIGNING_HASH = 'SHA-256';

/** Files OPA hashes over their parsed content rather than their bytes (`IsStructuredDoc` in OPA's bundle package). */
export function isStructuredBundleFile(name: string): boolean {
  const base = path.posix.basename(name);
  return base === 'data.json' || base === '.manifest' || base === 'data.yaml' || base === 'data.yml';
}

/** A bundle file's hash exactly as OPA computes it for `.signatures.json`, in lowercase hex. */
export function bundleFileHash(name: string, bytes: Uint8Array, algorithm: string = SIGNING_HASH): string {
  const nodeName = Object.hasOwn(HASHES, algorithm) ? HASHES[algorithm] : undefined;
  if (!nodeName) throw new TaskguardError('signature_invalid', `${name} is signed with the unsupported hash algorithm ${JSON.stringify(algorithm)}`);
  const hash = createHash(nodeName);
  if (!isStructuredBundleFile(name)) return hash.update(bytes).digest('hex');
  // OPA converts YAML to JSON with Go's yaml library first; matching that byte for byte is not worth the risk.
  if (!name.endsWith('.json') && !name.endsWith('.manifest')) {
    throw new TaskguardError('bundle_invalid', `${name}: yaml data in a bundle is not supported; use data.json`);
  }
  return hash.update(opaCanonicalJson(bytes, name)).digest('hex');
}
