import * as crypto from 'node:crypto';

type OneShotHash = (algorithm: string, data: Uint8Array | string, outputEncoding: 'hex') => string;
// crypto.hash (Node 20.12 and later) makes no Hash object, which a one-shot digest does not need: about half
// the cost for the few hundred bytes of an audit record, hashed for every decision.
const oneShot = (crypto as { hash?: OneShotHash }).hash;

export function sha256Hex(bytes: Uint8Array | string): string {
  return oneShot ? oneShot('sha256', bytes, 'hex') : crypto.createHash('sha256').update(bytes).digest('hex');
}

/** JSON with object keys sorted at every level, so equal documents hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === 'object' && value !== null) {
    // A null-prototype object keeps a "__proto__" key as data; on a plain object that assignment would set
    // the prototype and silently drop the key from the hash.
    const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}
