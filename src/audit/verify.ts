import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { TaskguardError, describeError } from '../errors.js';
import { isHead, readHeadFile } from './head.js';
import { GENESIS_HASH, hashRecord, type AuditHead } from './record.js';
import { recordShapeProblem } from './record-shape.js';
import { endsWithNewline } from './tail.js';

export type AuditProblemKind = 'malformed' | 'edited' | 'removed' | 'reordered' | 'truncated' | 'head_mismatch';

export interface AuditProblem {
  /** 1-based line of the log; for a missing tail, the line where the first missing record would be; 0 for the head file itself. */
  line: number;
  seq?: number;
  kind: AuditProblemKind;
  detail: string;
}

export interface AuditVerifyResult {
  ok: boolean;
  /** Records that verified before the first problem (all of them when ok). */
  records: number;
  /** seq and hash of the last record that verified; 0 and 64 zeros when none did. */
  lastSeq: number;
  lastHash: string;
  /** Whether the end of the log was compared with a head (false when none was asked for or the sidecar is absent). */
  headChecked: boolean;
  problem?: AuditProblem;
}

export interface AuditVerifyOptions {
  /**
   * What the end of the log must match: a head kept elsewhere, the `<file>.head` sidecar (default; skipped
   * when absent), or nothing. Without one, cutting whole records from the end cannot be detected.
   */
  head?: AuditHead | 'sidecar' | 'none';
}

interface Good {
  seq: number;
  hash: string;
  line: number;
}

const START: Good = { seq: 0, hash: GENESIS_HASH, line: 0 };

/**
 * Reads the log line by line and reports the first problem. Every record must parse, carry the hash of its
 * own content, follow the previous record's seq by one and name its hash as prev_hash.
 */
export async function verifyAuditLog(file: string, options: AuditVerifyOptions = {}): Promise<AuditVerifyResult> {
  const { head, headProblem } = await resolveHead(file, options.head ?? 'sidecar');
  const scan = new ChainScan(head);
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

async function resolveHead(file: string, option: AuditHead | 'sidecar' | 'none'): Promise<{ head: AuditHead | undefined; headProblem?: AuditProblem }> {
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

class ChainScan {
  done = false;
  private line = 0;
  private records = 0;
  private last: Good = START;
  private beforeLast: Good = START;
  private problem: AuditProblem | undefined;
  /** A seq jump waiting to be told apart: records moved later (reordered) or gone (removed). */
  private gap: { line: number; seq: number; from: number } | undefined;
  private atHead: Good | undefined;

  constructor(private readonly head: AuditHead | undefined) {}

  /** Takes the next line; returns true once the result is known and the rest need not be read. */
  take(text: string, isLast: boolean, complete: boolean): boolean {
    this.line += 1;
    if (this.gap) return this.lookAhead(text);
    if (isLast && !complete) return this.fail(this.line, undefined, 'truncated', 'last line has no trailing newline: the record was cut off');
    if (text.trim() === '') return this.fail(this.line, undefined, 'malformed', 'empty line');
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return this.fail(this.line, undefined, 'malformed', 'line is not json');
    }
    const shape = recordShapeProblem(value);
    const seqField = (value as { seq?: unknown } | null)?.seq;
    const seqOf = Number.isSafeInteger(seqField) ? (seqField as number) : undefined;
    if (shape) return this.fail(this.line, seqOf, 'malformed', shape);
    const record = value as { seq: number; prev_hash: string; hash: string };
    const { seq } = record;
    if (hashRecord(record) !== record.hash) return this.fail(this.line, seq, 'edited', 'hash does not match the record\'s content');

    const last = this.last;
    if (seq <= last.seq) return this.fail(this.line, seq, 'reordered', `seq ${seq} comes after seq ${last.seq}`);
    if (seq === last.seq + 1 && record.prev_hash !== last.hash) {
      if (last.line === 0) return this.fail(this.line, seq, 'edited', 'prev_hash of the first record is not the genesis hash');
      // Both records hash correctly, so the earlier one was changed and given a fresh hash.
      this.last = this.beforeLast;
      this.records -= 1;
      return this.fail(last.line, last.seq, 'edited', `hash differs from prev_hash of the next record (line ${this.line}): changed and rehashed`);
    }
    if (seq > last.seq + 1) {
      if (record.prev_hash === last.hash) return this.fail(this.line, seq, 'edited', `seq jumps from ${last.seq} to ${seq} but prev_hash links to seq ${last.seq}: seq was changed`);
      this.gap = { line: this.line, seq, from: last.seq };
      return false;
    }
    this.records += 1;
    this.beforeLast = last;
    this.last = { seq, hash: record.hash, line: this.line };
    if (this.head && seq === this.head.seq) this.atHead = this.last;
    return false;
  }

  finish(headProblem: AuditProblem | undefined): AuditVerifyResult {
    if (this.gap && !this.problem) {
      const { line, seq, from } = this.gap;
      const missing = seq - from - 1;
      this.fail(line, seq, 'removed', `seq jumps from ${from} to ${seq}: ${missing} record${missing === 1 ? '' : 's'} missing`);
    }
    if (!this.problem && headProblem) this.problem = headProblem;
    if (!this.problem && this.head) this.checkHead(this.head);
    const result: AuditVerifyResult = {
      ok: this.problem === undefined,
      records: this.records,
      lastSeq: this.last.seq,
      lastHash: this.last.hash,
      headChecked: this.head !== undefined,
    };
    if (this.problem) result.problem = this.problem;
    return result;
  }

  private checkHead(head: AuditHead): void {
    if (this.last.seq < head.seq) {
      const missing = head.seq - this.last.seq;
      this.fail(this.line + 1, this.last.seq + 1, 'truncated',
        `log ends at seq ${this.last.seq} but its head is seq ${head.seq}: ${missing} record${missing === 1 ? '' : 's'} cut from the end`);
    } else if (head.seq === 0 ? head.hash !== GENESIS_HASH : this.atHead?.hash !== head.hash) {
      this.fail(this.atHead?.line ?? 0, head.seq, 'head_mismatch', `hash of seq ${head.seq} differs from the head's`);
    }
  }

  private lookAhead(text: string): boolean {
    const gap = this.gap as NonNullable<ChainScan['gap']>;
    let seq: unknown;
    try {
      seq = (JSON.parse(text) as { seq?: unknown } | null)?.seq;
    } catch {
      return false;
    }
    if (typeof seq === 'number' && seq > gap.from && seq < gap.seq) {
      return this.fail(gap.line, gap.seq, 'reordered', `seq ${gap.seq} comes before seq ${seq} (line ${this.line})`);
    }
    return false;
  }

  private fail(line: number, seq: number | undefined, kind: AuditProblemKind, detail: string): true {
    this.problem = seq === undefined ? { line, kind, detail } : { line, seq, kind, detail };
    this.done = true;
    return true;
  }
}
