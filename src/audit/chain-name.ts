import { TaskguardError } from '../errors.js';

export const MAX_CHAIN_NAME = 200;

/**
 * A chain name separates the chains of several hosts writing into one database. Printable ASCII only, so a
 * name can be printed in `audit verify` output and error messages as it is, one line, nothing hidden.
 */
export function isChainName(value: unknown): value is string {
  return typeof value === 'string' && value.length >= 1 && value.length <= MAX_CHAIN_NAME && /^[\x20-\x7e]+$/.test(value);
}

export function checkChainName(value: unknown): string {
  if (!isChainName(value)) throw new TaskguardError('audit_invalid', `audit chain name must be 1 to ${MAX_CHAIN_NAME} printable ascii characters`);
  return value;
}

/** A name read back from a database may be anything: quoted when it is not a valid name, so it stays one line. */
export function displayChainName(value: string): string {
  return isChainName(value) ? value : JSON.stringify(value);
}
