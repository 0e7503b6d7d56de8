import { GENESIS_START, gapAtStart, notLinked, startBefore, tooEarly, type ChainStart } from './chain-start.js';
import { GENESIS_HASH, hashRecord, type AuditHead } from './record.js';
import { recordShapeProblem } from './record-shape.js';

export type AuditProblemKind = 'malformed' | 'edited' | 'removed' | 'reordered' | 'truncated' | 'head_mismatch' | 'checkpoint_mismatch';

export interface AuditProblem {
  /**
   * Where the problem is: the 1-based line of a log file, or the pos of a database row. For a missing tail,
   * where the first missing record would be; 0 for the head (sidecar file or head row) itself.
   */
  line: number;
  seq?: number;
  kind: AuditProblemKind;
  detail: string;
}

export interface AuditVerifyResult {
  ok: boolean;
  /** Records that verified before the first problem (all of them when ok). */
  records: number;
  /**
   * seq and hash of the last record that verified; when none did, of the record before the first (0 and 64
   * zeros for a new chain, the checkpoint or the previous file's last record for a continued one).
   */
  lastSeq: number;
  lastHash: string;
  /** Whether the end of the log was compared with a head (false when none was asked for or the sidecar is absent). */
  headChecked: boolean;
  problem?: AuditProblem;
}

/** What a position is called in details: a line of a file, or a database row's pos. */
export type PositionUnit = 'line' | 'pos';

interface Good {
  seq: number;
  hash: string;
  line: number;
}

/**
 * Checks a chain one record at a time and stops at the first problem. Every record must parse, carry the
 * hash of its own content, follow the previous record's seq by one and name its hash as prev_hash. The
 * source decides where records sit: a file counts lines, a database passes each row's pos.
 */
export class ChainScan {
  done = false;
  private line = 0;
  private records = 0;
  /** The record before the first: from the start, or for an 'open' start from the first record itself. */
  private origin: Good;
  private last: Good;
  private beforeLast: Good;
  private problem: AuditProblem | undefined;
  /** A seq jump waiting to be told apart: records moved later (reordered) or gone (removed). */
  private gap: { line: number; seq: number; from: number; hint: string } | undefined;
  private atHead: Good | undefined;

  constructor(
    private readonly head: AuditHead | undefined,
    private readonly unit: PositionUnit = 'line',
    private readonly start: ChainStart = GENESIS_START,
  ) {
    const before = startBefore(start);
    this.origin = { seq: before?.seq ?? 0, hash: before?.hash ?? GENESIS_HASH, line: 0 };
    this.last = this.origin;
    this.beforeLast = this.origin;
  }

  /**
   * Takes the next record's text; `at` is its position when the source has its own (default: the previous
   * one + 1). Returns true once the result is known and the rest need not be read.
   */
  take(text: string, isLast: boolean, complete: boolean, at?: number): boolean {
    this.line = at ?? this.line + 1;
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

    // A file checked apart from its series starts wherever its first record says.
    if (this.records === 0 && this.start.from === 'open') {
      this.origin = { seq: seq - 1, hash: record.prev_hash, line: 0 };
      this.last = this.origin;
    }
    const last = this.last;
    const first = last.line === 0;
    if (seq <= last.seq) {
      if (first) {
        const p = tooEarly(this.start, seq, last.seq);
        return this.fail(this.line, seq, p.kind, p.detail);
      }
      return this.fail(this.line, seq, 'reordered', `seq ${seq} comes after seq ${last.seq}`);
    }
    if (seq === last.seq + 1 && record.prev_hash !== last.hash) {
      if (first) {
        const p = notLinked(this.start, last.seq);
        return this.fail(this.line, seq, p.kind, p.detail);
      }
      // Both records hash correctly, so the earlier one was changed and given a fresh hash.
      this.last = this.beforeLast;
      this.records -= 1;
      return this.fail(last.line, last.seq, 'edited', `hash differs from prev_hash of the next record (${this.unit} ${this.line}): changed and rehashed`);
    }
    if (seq > last.seq + 1) {
      if (record.prev_hash === last.hash) return this.fail(this.line, seq, 'edited', `seq jumps from ${last.seq} to ${seq} but prev_hash links to seq ${last.seq}: seq was changed`);
      this.gap = { line: this.line, seq, from: last.seq, hint: first ? gapAtStart(this.start) : '' };
      return false;
    }
    // Only rows have positions of their own (a file's lines are counted, and a continued file's first line
    // is not its seq), so this only fires for rows whose pos was changed while the chain held: a writer
    // continuing at pos = seq would then collide with them or sort before them.
    if (this.unit === 'pos' && this.line !== seq) return this.fail(this.line, seq, 'reordered', `seq ${seq} sits at ${this.unit} ${this.line}: positions were renumbered`);
    this.records += 1;
    this.beforeLast = last;
    this.last = { seq, hash: record.hash, line: this.line };
    if (this.head && seq === this.head.seq) this.atHead = this.last;
    return false;
  }

  finish(headProblem: AuditProblem | undefined): AuditVerifyResult {
    if (this.gap && !this.problem) {
      const { line, seq, from, hint } = this.gap;
      const missing = seq - from - 1;
      this.fail(line, seq, 'removed', `seq jumps from ${from} to ${seq}: ${missing} record${missing === 1 ? '' : 's'} missing${hint}`);
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
    } else if (head.seq < this.origin.seq) {
      this.fail(0, head.seq, 'head_mismatch', `the head names seq ${head.seq}, before this log's first record (seq ${this.origin.seq + 1})`);
    } else if (head.seq === this.origin.seq ? head.hash !== this.origin.hash : this.atHead?.hash !== head.hash) {
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
      return this.fail(gap.line, gap.seq, 'reordered', `seq ${gap.seq} comes before seq ${seq} (${this.unit} ${this.line})`);
    }
    return false;
  }

  private fail(line: number, seq: number | undefined, kind: AuditProblemKind, detail: string): true {
    this.problem = seq === undefined ? { line, kind, detail } : { line, seq, kind, detail };
    this.done = true;
    return true;
  }
}

/** `line 4 (seq 5): removed: ...`, or with `pos` for a database row: how a problem is named in messages. */
export function describeProblem(problem: AuditProblem, unit: PositionUnit = 'line'): string {
  const seq = problem.seq === undefined ? '' : ` (seq ${problem.seq})`;
  return `${unit} ${problem.line}${seq}: ${problem.kind}: ${problem.detail}`;
}
