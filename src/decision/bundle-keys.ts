import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { TaskguardError } from '../errors.js';

/** The algorithms OPA signs and verifies bundles with (`keys.<id>.algorithm`); EdDSA is not among them. */
export const SIGNING_ALGORITHMS = [
  'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'HS256', 'HS384', 'HS512',
] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

/** OPA's default when a key names no algorithm. */
export const DEFAULT_SIGNING_ALGORITHM: SigningAlgorithm = 'RS256';

export function isSigningAlgorithm(value: unknown): value is SigningAlgorithm {
  return SIGNING_ALGORITHMS.includes(value as SigningAlgorithm);
}

const isHmac = (algorithm: SigningAlgorithm): boolean => algorithm.startsWith('HS');

/**
 * One key a bundle signature may be checked with, as OPA's `keys.<id>`: a PEM public key (SPKI or PKCS#1),
 * an X.509 certificate, or for HS* an HMAC secret. Give the material itself (`key`), a file holding it
 * (`keyFile`, read byte for byte, as OPA does), or an environment variable (`keyEnv`, the way to pass an
 * HMAC secret without writing it into a config file).
 */
export interface VerificationKey {
  /** Always this one, whatever the signature's header says. Default RS256, as in OPA. */
  algorithm?: SigningAlgorithm;
  key?: string | Uint8Array | KeyObject;
  keyFile?: string;
  keyEnv?: string;
  /** The scope a bundle signed with this key must carry, unless the verification names one. */
  scope?: string;
}

/** The key object jose verifies with, checked against the configured algorithm's key family. */
export function verificationKeyFor(keyId: string, config: VerificationKey): KeyObject | Uint8Array {
  const algorithm = config.algorithm ?? DEFAULT_SIGNING_ALGORITHM;
  const material = keyMaterial(keyId, config);
  if (isHmac(algorithm)) {
    if (typeof material === 'string') return Buffer.from(material, 'utf8');
    if (material instanceof Uint8Array) return material;
    if (material.type === 'secret') return material.export();
    throw new TaskguardError('config_invalid', `verification key ${keyId} is not an hmac secret, as ${algorithm} needs`);
  }
  if (!(material instanceof Uint8Array) && typeof material !== 'string') {
    if (material.type === 'secret') throw new TaskguardError('config_invalid', `verification key ${keyId} is an hmac secret, not a key for ${algorithm}`);
    return material.type === 'public' ? material : createPublicKey(material);
  }
  try {
    // Accepts SPKI, PKCS#1 and certificates; a private key yields its public half (OPA accepts those too).
    return createPublicKey({ key: Buffer.from(material), format: 'pem' });
  } catch {
    throw new TaskguardError('config_invalid', `verification key ${keyId} is not a pem public key or certificate`);
  }
}

/**
 * The private key (PEM: RSA, RSA-PSS or EC) or HMAC secret (any other bytes) `taskguard build --sign` signs
 * with, and its algorithm: the one asked for, else the one the key implies (RS256 for RSA, OPA's default;
 * ES256/384/512 by curve). A secret names no algorithm, so it needs an explicit HS256/384/512.
 */
export function signingKeyFrom(bytes: Buffer, file: string, algorithm?: SigningAlgorithm): { key: KeyObject | Uint8Array; algorithm: SigningAlgorithm } {
  if (!bytes.includes('-----BEGIN ')) {
    if (!algorithm || !isHmac(algorithm)) {
      throw new TaskguardError('usage', `signing key ${file} is not a pem private key; for an hmac secret pass --signing-alg HS256, HS384 or HS512`);
    }
    return { key: new Uint8Array(bytes), algorithm };
  }
  if (algorithm && isHmac(algorithm)) return { key: new Uint8Array(bytes), algorithm };
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: bytes, format: 'pem' });
  } catch {
    throw new TaskguardError('usage', `signing key ${file} is not a pem private key`);
  }
  return { key, algorithm: algorithm ?? impliedAlgorithm(key, file) };
}

function impliedAlgorithm(key: KeyObject, file: string): SigningAlgorithm {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'rsa-pss') return 'PS256';
  const curve = key.asymmetricKeyType === 'ec' ? key.asymmetricKeyDetails?.namedCurve : undefined;
  const byCurve: Record<string, SigningAlgorithm> = { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' };
  const implied = curve === undefined ? undefined : byCurve[curve];
  if (!implied) throw new TaskguardError('usage', `signing key ${file} is a ${curve ?? key.asymmetricKeyType ?? 'unknown'} key; OPA bundles take RSA or EC P-256/384/521 keys`);
  return implied;
}

/** The one source of a key (verifyBundleSignature checks there is exactly one before this runs). */
function keyMaterial(keyId: string, config: VerificationKey): string | Uint8Array | KeyObject {
  if (config.key !== undefined) return config.key;
  if (config.keyFile !== undefined) {
    try {
      return readFileSync(config.keyFile);
    } catch {
      throw new TaskguardError('config_invalid', `cannot read verification key ${keyId} from ${config.keyFile}`);
    }
  }
  const value = process.env[config.keyEnv as string];
  if (!value) throw new TaskguardError('config_invalid', `verification key ${keyId}: environment variable ${config.keyEnv as string} is not set`);
  return value;
}
