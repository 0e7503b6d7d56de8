import { readJsonFile, replaceFile } from './fs.js';
import type { AuditHead } from './record.js';

/**
 * The sidecar `<file>.head` holds the seq and hash of the last record known to be fsynced. A hash chain
 * cannot show that whole records were cut from its end; comparing with the head can. In a rotated series
 * the head stays with the live file and names the series' last fsynced record, which right after a
 * rotation is the last record of the file just rotated.
 */
export function headFileOf(file: string): string {
  return `${file}.head`;
}

export type HeadFileState =
  | { state: 'missing' }
  | { state: 'invalid'; detail: string }
  | { state: 'ok'; head: AuditHead };

export async function readHeadFile(file: string): Promise<HeadFileState> {
  const read = await readJsonFile(headFileOf(file), 'head file', 'seq and hash', (value) => (isHead(value) ? { seq: value.seq, hash: value.hash } : undefined));
  return read.state === 'ok' ? { state: 'ok', head: read.value } : read;
}

/**
 * Replaces the head file atomically. A crash leaves either the old head or the new one, never a torn one,
 * and the new one is only written after the log data it names is fsynced, so a head never runs ahead of
 * the log.
 */
export async function writeHeadFile(file: string, head: AuditHead): Promise<void> {
  await replaceFile(headFileOf(file), `${JSON.stringify({ seq: head.seq, hash: head.hash })}\n`);
}

export function isHead(value: unknown): value is AuditHead {
  if (typeof value !== 'object' || value === null) return false;
  const { seq, hash } = value as Record<string, unknown>;
  return Number.isSafeInteger(seq) && (seq as number) >= 0 && typeof hash === 'string' && /^[0-9a-f]{64}$/.test(hash);
}
