import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { TaskguardError, describeError } from '../errors.js';
import { ChainScan, type AuditProblem, type AuditVerifyResult, type PositionUnit } from './chain-scan.js';
import { GENESIS_START, type ChainStart } from './chain-start.js';
import { isHead, readHeadFile } from './head.js';
import { GENESIS_HASH, type AuditHead } from './record.js';
import { nameProblem, parseRotatedPath } from './series.js';
import { endsWithNewline } from './tail.js';

export type { AuditProblem, AuditProblemKind, AuditVerifyResult, PositionUnit } from './chain-scan.js';

export interface AuditVerifyOptions {
  /**
   * What the end of the log must match: a head kept elsewhere, the `<file>.head` sidecar (default; skipped
   * when absent), or nothing. Without one, cutting whole records from the end cannot be detected.
   */
  head?: AuditHead | 'sidecar' | 'none';
}

/** One record's text and where it sits, for sources that keep their own positions (a database row's pos). */
export interface PositionedLine {
  pos: number;
  line: string;
}

export type AuditLineSource = AsyncIterable<string | PositionedLine> | Iterable<string | PositionedLine>;

/**
 * Reads the log line by line and reports the first problem. Every record must parse, carry the hash of its
 * own content, follow the previous record's seq by one and name its hash as prev_hash. One file: a log
 * that was never rotated starts at the genesis hash; a rotated file (`audit.<seq>.<time>.jsonl`) is checked
 * from the seq its name says, and its links to the files around it by verifyAuditSeries.
 */
export async function verifyAuditLog(file: string, options: AuditVerifyOptions = {}): Promise<AuditVerifyResult> {
  const { head, headProblem } = await resolveHead(file, options.head ?? 'sidecar');
  const rotated = parseRotatedPath(file);
  if (!rotated) return verifyFileFrom(file, GENESIS_START, head, headProblem);
  const named = await nameProblem(file, rotated.firstSeq, new Set());
  if (named) return { ok: false, records: 0, lastSeq: 0, lastHash: GENESIS_HASH, headChecked: head !== undefined, problem: named };
  return verifyFileFrom(file, { from: 'open' }, head, headProblem);
}

/** Scans one file from `start`, its end against `head` when one is given. */
export async function verifyFileFrom(
  file: string, start: ChainStart, head: AuditHead | undefined, headProblem?: AuditProblem,
): Promise<AuditVerifyResult> {
  const scan = new ChainScan(head, 'line', start);
  let complete: boolean;
  try {
    await stat(file);
    complete = await endsWithNewline(file);
  } catch (err) {
    throw new TaskguardError('audit_io', `cannot read audit log ${file}: ${describeError(err)}`, { cause: err });
  }
  const input = createReadStream(file);
  const lines = createInterface({ input, crlfDelay: Infinity });
  try {
    // Each line is handled one line late, so the scan knows which one is last (and may be torn).
    let held: string | undefined;
    for await (const line of lines) {
      if (held !== undefined && scan.take(held, false, complete)) break;
      held = line;
    }
    if (held !== undefined && !scan.done) scan.take(held, true, complete);
  } catch (err) {
    throw new TaskguardError('audit_io', `cannot read audit log ${file}: ${describeError(err)}`, { cause: err });
  } finally {
    lines.close();
    input.destroy();
  }
  return scan.finish(headProblem);
}

/**
 * Verifies a chain from any ordered source of record texts, such as a database's rows, against `head` when
 * one is given. Nothing here can be torn (a row is whole or absent), so only a file's last line is checked
 * for that. A plain string sits one after the previous; a PositionedLine says where it sits, and problems
 * are then reported at that pos.
 */
export async function verifyAuditLines(lines: AuditLineSource, head?: AuditHead): Promise<AuditVerifyResult> {
  if (head !== undefined && !isHead(head)) throw new TaskguardError('audit_invalid', 'head must be {seq, hash} with a 64-hex hash');
  return scanLines(lines, head, undefined, 'pos');
}

/**
 * The scan behind verifyAuditLines, for callers that have already judged the head: `headProblem` is
 * reported when the records themselves verify. `start` is what the first record follows.
 */
export async function scanLines(
  lines: AuditLineSource, head: AuditHead | undefined, headProblem: AuditProblem | undefined, unit: PositionUnit,
  start: ChainStart = GENESIS_START,
): Promise<AuditVerifyResult> {
  const scan = new ChainScan(head, unit, start);
  for await (const item of lines) {
    const done = typeof item === 'string' ? scan.take(item, false, true) : scan.take(item.line, false, true, item.pos);
    if (done) break;
  }
  return scan.finish(headProblem);
}

/** The head the end of `file` is compared with, or the problem with its sidecar. */
export async function resolveHead(file: string, option: AuditHead | 'sidecar' | 'none'): Promise<{ head: AuditHead | undefined; headProblem?: AuditProblem }> {
  if (option === 'none') return { head: undefined };
  if (option !== 'sidecar') {
    if (!isHead(option)) throw new TaskguardError('audit_invalid', 'head must be {seq, hash} with a 64-hex hash');
    return { head: option };
  }
  const state = await readHeadFile(file);
  if (state.state === 'ok') return { head: state.head };
  if (state.state === 'missing') return { head: undefined };
  return { head: undefined, headProblem: { line: 0, kind: 'head_mismatch', detail: state.detail } };
}
