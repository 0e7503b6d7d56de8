import type { AuditProblem, AuditVerifyResult } from './chain-scan.js';
import type { AuditTable } from './db-table.js';
import { isHead } from './head.js';
import { scanLines } from './verify.js';

/**
 * Verifies one chain of an AuditTable: its rows in pos order, then its end against its head row. Problems
 * are reported at the row's pos (0 for the head row). The head row is written in the same transaction as
 * the rows it names, so unlike a missing sidecar file, a chain with rows but no head row is a problem.
 */
export async function verifyAuditChain(table: AuditTable, chain: string): Promise<AuditVerifyResult> {
  const stored = await table.readHead(chain);
  let headProblem: AuditProblem | undefined;
  if (stored !== undefined && !isHead(stored)) headProblem = { line: 0, kind: 'head_mismatch', detail: 'head row lacks a valid seq and hash' };
  const head = headProblem ? undefined : stored;
  const result = await scanLines(table.lines(chain), head, headProblem, 'pos');
  if (result.ok && stored === undefined && result.records > 0) {
    return {
      ...result, ok: false, headChecked: false,
      problem: { line: 0, kind: 'head_mismatch', detail: `chain has ${result.records} records but no head row: the head row was deleted` },
    };
  }
  return { ...result, headChecked: head !== undefined };
}
