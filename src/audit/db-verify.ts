import type { AuditProblem, AuditVerifyResult } from './chain-scan.js';
import { GENESIS_START, type ChainStart } from './chain-start.js';
import type { AuditTable } from './db-table.js';
import { isHead } from './head.js';
import { GENESIS_HASH, type AuditHead } from './record.js';
import { scanLines } from './verify.js';

/** Rescans this often at most when the chain was pruned under a scan that failed. */
const ATTEMPTS = 3;

/**
 * Verifies one chain of an AuditTable: its rows in pos order from its checkpoint (the last record pruned;
 * the genesis hash when nothing was), then its end against its head row. Problems are reported at the
 * row's pos (0 for the head or checkpoint row itself). The head row is written in the same transaction as
 * the rows it names, so unlike a missing sidecar file, a chain with rows or a checkpoint but no head row is
 * a problem. A writer may prune while this runs: a scan that fails over a checkpoint that moved meanwhile is
 * repeated.
 */
export async function verifyAuditChain(table: AuditTable, chain: string): Promise<AuditVerifyResult> {
  for (let attempt = 1; ; attempt++) {
    const checkpoint = await table.readCheckpoint(chain);
    const result = await scanChain(table, chain, checkpoint);
    if (result.ok || attempt >= ATTEMPTS) return result;
    const now = await table.readCheckpoint(chain);
    if (now?.seq === checkpoint?.seq && now?.hash === checkpoint?.hash) return result;
  }
}

async function scanChain(table: AuditTable, chain: string, checkpoint: AuditHead | undefined): Promise<AuditVerifyResult> {
  const stored = await table.readHead(chain);
  let headProblem: AuditProblem | undefined;
  if (stored !== undefined && !isHead(stored)) headProblem = { line: 0, kind: 'head_mismatch', detail: 'head row lacks a valid seq and hash' };
  if (checkpoint !== undefined && !isHead(checkpoint)) {
    return { ok: false, records: 0, lastSeq: 0, lastHash: GENESIS_HASH, headChecked: false, problem: { line: 0, kind: 'checkpoint_mismatch', detail: 'checkpoint row lacks a valid seq and hash' } };
  }
  const start: ChainStart = checkpoint ? { from: 'checkpoint', seq: checkpoint.seq, hash: checkpoint.hash } : GENESIS_START;
  const head = headProblem ? undefined : stored;
  // From the first row, not from the checkpoint: a row at or before it means the checkpoint was moved.
  const result = await scanLines(table.lines(chain), head, headProblem, 'pos', start);
  if (result.ok && stored === undefined && (result.records > 0 || checkpoint !== undefined)) {
    const what = result.records > 0 ? `chain has ${result.records} records` : 'chain has a checkpoint';
    return {
      ...result, ok: false, headChecked: false,
      problem: { line: 0, kind: 'head_mismatch', detail: `${what} but no head row: the head row was deleted` },
    };
  }
  return { ...result, headChecked: head !== undefined };
}
