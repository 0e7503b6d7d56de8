import type { AuditProblemKind } from './chain-scan.js';
import { GENESIS_HASH } from './record.js';

/**
 * What the first record of a scan must follow. A chain's very first record follows the genesis hash; the
 * first record kept after retention follows a checkpoint; the first record of a rotated series' next file
 * follows the last record of the file before it; a file checked alone, apart from its series, follows
 * whatever its first record says ('open': the series check is what links it).
 */
export type ChainStart =
  | { from: 'genesis' }
  | { from: 'checkpoint'; seq: number; hash: string }
  | { from: 'file'; seq: number; hash: string; file: string }
  | { from: 'open' };

export const GENESIS_START: ChainStart = { from: 'genesis' };

/** The record before the first one: known for every start but 'open'. */
export function startBefore(start: ChainStart): { seq: number; hash: string } | undefined {
  if (start.from === 'genesis') return { seq: 0, hash: GENESIS_HASH };
  if (start.from === 'open') return undefined;
  return { seq: start.seq, hash: start.hash };
}

interface StartProblem {
  kind: AuditProblemKind;
  detail: string;
}

/** The first record's seq is at or before the start: it belongs before it. */
export function tooEarly(start: ChainStart, seq: number, before: number): StartProblem {
  if (start.from === 'checkpoint') {
    return { kind: 'checkpoint_mismatch', detail: `seq ${seq} is at or before the checkpoint (seq ${before}): the checkpoint was moved forward or records were put back` };
  }
  const where = start.from === 'file' ? ` (the last record of ${start.file})` : '';
  return { kind: 'reordered', detail: `seq ${seq} comes after seq ${before}${where}` };
}

/** The first record follows the start by seq but names another prev_hash. */
export function notLinked(start: ChainStart, before: number): StartProblem {
  if (start.from === 'checkpoint') {
    return { kind: 'checkpoint_mismatch', detail: `prev_hash of the first record differs from the checkpoint's hash of seq ${before}: the checkpoint or the record was changed` };
  }
  if (start.from === 'file') {
    return { kind: 'edited', detail: `prev_hash of the first record differs from the hash of seq ${before}, the last record of ${start.file}: one of them was changed and rehashed` };
  }
  return { kind: 'edited', detail: 'prev_hash of the first record is not the genesis hash' };
}

/** Appended to "seq jumps from A to B: N records missing" when the gap is right at the start. */
export function gapAtStart(start: ChainStart): string {
  if (start.from === 'checkpoint') return ' after the checkpoint';
  if (start.from === 'file') return ` after ${start.file}, which ends at seq ${start.seq}: a file is missing or ${start.file} was cut short`;
  return '';
}
