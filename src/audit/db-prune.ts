import { TaskguardError } from '../errors.js';
import { describeProblem } from './chain-scan.js';
import { GENESIS_START, type ChainStart } from './chain-start.js';
import type { AuditRow, AuditTable } from './db-table.js';
import { isHead } from './head.js';
import { recordLink } from './record-link.js';
import { scanLines } from './verify.js';

/** Which records of a database chain pruning deletes: those beyond the maxRecords newest, and those older than maxAgeMs. */
export interface ChainRetention {
  maxRecords?: number | undefined;
  maxAgeMs?: number | undefined;
}

export interface PruneChainOptions {
  /** Epoch milliseconds, against each record's own time_ms. Default Date.now. */
  now?: number;
  /** One line per pass that deleted something. */
  onInfo?: (line: string) => void;
}

export interface ChainPruneResult {
  /** Rows deleted by this pass. */
  pruned: number;
  /** The checkpoint afterwards: the seq of the last record pruned, ever (0 when none). */
  throughSeq: number;
}

/** Rows deleted per transaction, so a first pass over a long chain holds no lock for long. */
const PRUNE_BATCH = 10_000;

/**
 * Deletes the oldest records of `chain` that the retention policy names, a run from the start, never the
 * rest. Each batch verifies the rows it deletes and their link to the first row kept, then moves the
 * checkpoint to the last row deleted and deletes, in one transaction: verification of what remains starts
 * from the checkpoint, and a checkpoint or row changed afterwards shows. Refuses, deleting nothing more,
 * where the chain does not verify: a broken chain is evidence, not something to prune away.
 */
export async function pruneAuditChain(table: AuditTable, chain: string, retention: ChainRetention, options: PruneChainOptions = {}): Promise<ChainPruneResult> {
  const head = await table.readHead(chain);
  const checkpoint = await table.readCheckpoint(chain);
  if (head !== undefined && !isHead(head)) throw refusal(chain, 'its head row lacks a valid seq and hash');
  if (checkpoint !== undefined && !isHead(checkpoint)) throw refusal(chain, 'its checkpoint row lacks a valid seq and hash');
  const from = checkpoint?.seq ?? 0;
  if (!head) return { pruned: 0, throughSeq: from };
  const { target, why } = await pruneTarget(table, chain, retention, head.seq, from, options.now ?? Date.now());
  let at = from;
  let start: ChainStart = checkpoint ? { from: 'checkpoint', seq: checkpoint.seq, hash: checkpoint.hash } : GENESIS_START;
  let pruned = 0;
  while (at < target) {
    const through = Math.min(target, at + PRUNE_BATCH);
    const scanned = await scanLines(upTo(table.lines(chain, at), through), undefined, undefined, 'pos', start);
    if (!scanned.ok || scanned.lastSeq !== through) {
      throw refusal(chain, scanned.problem ? describeProblem(scanned.problem, 'pos') : `no record at pos ${through}`);
    }
    await checkNext(table, chain, through, scanned.lastHash);
    pruned += await table.prune(chain, at, through, scanned.lastHash);
    at = through;
    start = { from: 'checkpoint', seq: through, hash: scanned.lastHash };
  }
  if (pruned > 0) options.onInfo?.(`audit chain ${chain}: pruned ${pruned} records through seq ${target} (${why})`);
  return { pruned, throughSeq: at };
}

async function pruneTarget(
  table: AuditTable, chain: string, retention: ChainRetention, headSeq: number, from: number, now: number,
): Promise<{ target: number; why: string }> {
  let target = from;
  let why = '';
  if (retention.maxRecords !== undefined && headSeq - retention.maxRecords > target) {
    target = headSeq - retention.maxRecords;
    why = `beyond the ${retention.maxRecords} newest records`;
  }
  if (retention.maxAgeMs !== undefined) {
    const cutoff = now - retention.maxAgeMs;
    let aged = from;
    for await (const row of table.lines(chain, from)) {
      const link = recordLink(row.line);
      if (!link || link.timeMs > cutoff) break;
      aged = row.pos;
    }
    if (aged > target) {
      target = aged;
      why = `older than ${retention.maxAgeMs} ms`;
    }
  }
  return { target, why };
}

/** The first row kept must follow the last one pruned, so that what remains verifies from the checkpoint. */
async function checkNext(table: AuditTable, chain: string, through: number, hash: string): Promise<void> {
  for await (const row of table.lines(chain, through)) {
    const next = recordLink(row.line);
    if (row.pos !== through + 1 || next?.seq !== through + 1 || next.prevHash !== hash) {
      throw refusal(chain, `pos ${row.pos} does not follow pos ${through}`);
    }
    return;
  }
}

async function* upTo(rows: AsyncIterable<AuditRow>, through: number): AsyncIterable<AuditRow> {
  for await (const row of rows) {
    if (row.pos > through) return;
    yield row;
  }
}

function refusal(chain: string, why: string): TaskguardError {
  return new TaskguardError('audit_invalid', `audit chain ${chain} does not verify where it would be pruned: ${why}; pruning nothing more`);
}
