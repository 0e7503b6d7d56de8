import path from 'node:path';
import { isRecord } from '../decision/parse.js';
import { isSigningAlgorithm, SIGNING_ALGORITHMS, type VerificationKey } from '../decision/bundle-keys.js';
import type { BundleVerification } from '../decision/bundle-signature.js';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const KEY_FIELDS = ['algorithm', 'key_file', 'key_env', 'scope'];
const FIELDS = ['keys', 'key_id', 'scope', 'exclude_files'];

/**
 * `policy.verification`, OPA's `keys` plus `bundles.<name>.signing` in one block:
 *
 *     verification:
 *       keys: { ci: { key_file: keys/ci.pem, algorithm: ES256 } }   # key_env for an HMAC secret
 *       key_id: ci           # optional: always this key; default: the signature's kid
 *       scope: taskguard     # optional
 *       exclude_files: []    # optional globs the signature need not cover
 *
 * Key files stay paths (resolved against `baseDir`) and are read when a bundle is verified, so no key
 * material, and never an HMAC secret, sits in the config object. Problems go to `at`, one per path.
 */
export function verificationConfig(raw: unknown, baseDir: string, at: (p: string, msg: string) => void): BundleVerification | undefined {
  if (raw === undefined || raw === null) return undefined;
  const p = 'policy.verification';
  if (!isRecord(raw)) {
    at(p, 'must be a mapping');
    return undefined;
  }
  for (const key of Object.keys(raw)) if (!FIELDS.includes(key)) at(`${p}.${key}`, `unknown key (expected one of ${FIELDS.join(', ')})`);
  const keysRaw = raw['keys'];
  if (!isRecord(keysRaw) || Object.keys(keysRaw).length === 0) at(`${p}.keys`, 'must map at least one key id to a key');
  const keys: Record<string, VerificationKey> = {};
  for (const [id, value] of Object.entries(isRecord(keysRaw) ? keysRaw : {})) {
    const key = verificationKey(value, baseDir, `${p}.keys.${id}`, at);
    if (key) keys[id] = key;
  }
  const keyId = text(raw['key_id'], `${p}.key_id`, at);
  if (keyId !== undefined && isRecord(keysRaw) && !Object.hasOwn(keysRaw, keyId)) at(`${p}.key_id`, 'must be one of the keys');
  const scope = text(raw['scope'], `${p}.scope`, at);
  const exclude = raw['exclude_files'];
  if (exclude !== undefined && !(Array.isArray(exclude) && exclude.every((e) => typeof e === 'string' && e !== ''))) {
    at(`${p}.exclude_files`, 'must be a list of glob patterns');
  }
  return {
    keys,
    ...(keyId !== undefined ? { keyId } : {}),
    ...(scope !== undefined ? { scope } : {}),
    ...(Array.isArray(exclude) ? { excludeFiles: exclude as string[] } : {}),
  };
}

function verificationKey(raw: unknown, baseDir: string, p: string, at: (p: string, msg: string) => void): VerificationKey | undefined {
  if (!isRecord(raw)) {
    at(p, 'must be a mapping with key_file or key_env');
    return undefined;
  }
  for (const key of Object.keys(raw)) if (!KEY_FIELDS.includes(key)) at(`${p}.${key}`, `unknown key (expected one of ${KEY_FIELDS.join(', ')})`);
  const algorithm = raw['algorithm'] ?? 'RS256';
  if (!isSigningAlgorithm(algorithm)) at(`${p}.algorithm`, `must be one of ${SIGNING_ALGORITHMS.join(', ')}`);
  const file = text(raw['key_file'], `${p}.key_file`, at);
  const env = text(raw['key_env'], `${p}.key_env`, at);
  if ((file === undefined) === (env === undefined)) at(p, 'needs exactly one of key_file, key_env');
  if (env !== undefined && !ENV_NAME.test(env)) at(`${p}.key_env`, 'must be an environment variable name');
  const scope = text(raw['scope'], `${p}.scope`, at);
  if (!isSigningAlgorithm(algorithm)) return undefined;
  return {
    algorithm,
    ...(file !== undefined ? { keyFile: path.resolve(baseDir, file) } : {}),
    ...(env !== undefined ? { keyEnv: env } : {}),
    ...(scope !== undefined ? { scope } : {}),
  };
}

function text(value: unknown, p: string, at: (p: string, msg: string) => void): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && value !== '') return value;
  at(p, 'must be a non-empty string');
  return undefined;
}
