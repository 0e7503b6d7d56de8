import { open, readFile, rename } from 'node:fs/promises';
import type { AuditHead } from './record.js';

/**
 * The sidecar `<file>.head` holds the seq and hash of the last record known to be fsynced. A hash chain
 * cannot show that whole records were cut from its end; comparing with the head can.
 */
export function headFileOf(file: string): string {
  return `${file}.head`;
}

export type HeadFileState =
  | { state: 'missing' }
  | { state: 'invalid'; detail: string }
  | { state: 'ok'; head: AuditHead };

export async function readHeadFile(file: string): Promise<HeadFileState> {
  let text: string;
  try {
    text = await readFile(headFileOf(file), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'missing' };
    throw err;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { state: 'invalid', detail: 'head file is not json' };
  }
  return isHead(value) ? { state: 'ok', head: { seq: value.seq, hash: value.hash } } : { state: 'invalid', detail: 'head file lacks a valid seq and hash' };
}

/**
 * Replaces the head file atomically: write a temp file, fsync it, rename over. A crash leaves either the old
 * head or the new one, never a torn one, and the new one is only written after the log data it names is
 * fsynced, so a head never runs ahead of the log.
 */
export async function writeHeadFile(file: string, head: AuditHead): Promise<void> {
  const target = headFileOf(file);
  const temp = `${target}.tmp`;
  const handle = await open(temp, 'w', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify({ seq: head.seq, hash: head.hash })}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, target);
}

export function isHead(value: unknown): value is AuditHead {
  if (typeof value !== 'object' || value === null) return false;
  const { seq, hash } = value as Record<string, unknown>;
  return Number.isSafeInteger(seq) && (seq as number) >= 0 && typeof hash === 'string' && /^[0-9a-f]{64}$/.test(hash);
}
