import type { AuditHead } from './record.js';

/** One stored record: its line text exactly as it would be in the JSONL file, and its 1-based position. */
export interface AuditRow {
  pos: number;
  line: string;
}

/**
 * The storage a DbAuditSink writes to and `audit verify` reads from: table `audit_records (chain, pos,
 * line)` with primary key (chain, pos), `audit_heads (chain, seq, hash)`, the database's counterpart of
 * the `.head` sidecar, and `audit_checkpoints (chain, seq, hash)`, the last record that pruning deleted.
 * pos is the record's place in its chain (seq, when the chain is intact).
 */
export interface AuditTable {
  /** The chain's head row as stored, unchecked (a tampered row may hold anything); undefined when there is none. */
  readHead(chain: string): Promise<AuditHead | undefined>;
  /**
   * The chain's checkpoint row as stored, unchecked: seq and hash of the last record pruned. Undefined when
   * nothing was pruned (or the database predates checkpoints).
   */
  readCheckpoint(chain: string): Promise<AuditHead | undefined>;
  /** The chain's rows after pos `afterPos` (default 0: all), in pos order, read in pages, so a long chain is never held in memory whole. */
  lines(chain: string, afterPos?: number): AsyncIterable<AuditRow>;
  /**
   * In one transaction: inserts `lines` at pos firstPos, firstPos + 1, ... and moves the head to `head`,
   * only from seq firstPos - 1. Fails, writing nothing, when any of those pos is taken or the head has moved
   * meanwhile: that is another writer on the same chain, and the chain must not fork.
   */
  appendBatch(chain: string, firstPos: number, lines: readonly string[], head: AuditHead): Promise<void>;
  /**
   * In one transaction: moves the checkpoint to (throughPos, hash), only from seq `fromSeq` (0: none yet),
   * and deletes the rows at pos throughPos and below. Fails, changing nothing, when the checkpoint has moved
   * meanwhile. Returns how many rows went.
   */
  prune(chain: string, fromSeq: number, throughPos: number, hash: string): Promise<number>;
  /** Every chain with rows, a head row or a checkpoint, sorted. */
  chains(): Promise<string[]>;
  close(): Promise<void>;
}

/** Rows read per query while scanning a chain. */
export const PAGE_ROWS = 1000;

/**
 * A row as read back. Columns are typed when written, but a row edited by hand may hold anything (SQLite
 * keeps whatever type it is given): whatever it holds becomes text and a number for the scan to judge.
 */
export function toRow(raw: { pos: unknown; line: unknown }): AuditRow {
  const line = typeof raw.line === 'string' ? raw.line : Buffer.isBuffer(raw.line) ? raw.line.toString('utf8') : String(raw.line);
  return { pos: Number(raw.pos), line };
}

/** Why appendBatch failed on a taken (chain, pos): said the same way by every table. */
export function posTaken(firstPos: number, count: number): string {
  const where = count === 1 ? `pos ${firstPos}` : `pos ${firstPos} to ${firstPos + count - 1}`;
  return `${where} already taken: another writer appended to this chain`;
}

export function headMoved(firstPos: number): string {
  return `the head is no longer at seq ${firstPos - 1}: another writer appended to this chain`;
}

export function checkpointMoved(fromSeq: number): string {
  return `the checkpoint is no longer at seq ${fromSeq}: another process pruned this chain`;
}
