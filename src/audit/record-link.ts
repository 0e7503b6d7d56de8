import { hashRecord } from './record.js';
import { recordShapeProblem } from './record-shape.js';

/** What links a record into its chain, and when it was written. */
export interface RecordLink {
  seq: number;
  prevHash: string;
  hash: string;
  timeMs: number;
}

/**
 * The chain fields of one line when it is a whole record carrying the hash of its own content; undefined
 * for anything else. For looking at one record (a file's first or last) without scanning the chain.
 */
export function recordLink(text: string | undefined): RecordLink | undefined {
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (recordShapeProblem(value) !== null) return undefined;
  const r = value as { seq: number; prev_hash: string; hash: string; time_ms: number };
  if (hashRecord(r) !== r.hash) return undefined;
  return { seq: r.seq, prevHash: r.prev_hash, hash: r.hash, timeMs: r.time_ms };
}
