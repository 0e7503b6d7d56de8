import { stat } from 'node:fs/promises';
import { TaskguardError } from '../errors.js';
import type { AuditHead } from './record.js';
import { recordLink } from './record-link.js';
import { firstLine, lastCompleteLine } from './tail.js';

/**
 * When the live file is rotated: before a record that would take it past maxBytes, or before a record
 * written maxAgeMs or more after its first one (by the records' own time, so an injected clock rules it).
 * Either or both; a file always gets at least one record, so a record larger than maxBytes gets a file
 * of its own.
 */
export interface RotationPolicy {
  maxBytes?: number | undefined;
  maxAgeMs?: number | undefined;
}

/** A file just rotated: its path and the seqs it holds. */
export interface RotatedInfo {
  file: string;
  firstSeq: number;
  lastSeq: number;
}

/** The policy checked; undefined when it sets no limit, so the file never rotates. */
export function checkRotation(policy: RotationPolicy): RotationPolicy | undefined {
  for (const key of ['maxBytes', 'maxAgeMs'] as const) {
    const value = policy[key];
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 1)) throw new TaskguardError('audit_invalid', `rotate.${key} must be a whole number of at least 1`);
  }
  if (policy.maxBytes === undefined && policy.maxAgeMs === undefined) return undefined;
  return { maxBytes: policy.maxBytes, maxAgeMs: policy.maxAgeMs };
}

/** What the live file holds, as far as rotation cares: its size and its first and last record. */
export class LiveFile {
  private bytes = 0;
  private records = 0;
  private firstTimeMs = 0;
  /** seq of the file's first record (of the next record, while the file is empty). */
  firstSeq: number;
  /** time_ms of the file's last record. */
  lastTimeMs = 0;

  private constructor(private readonly policy: RotationPolicy, nextSeq: number) {
    this.firstSeq = nextSeq;
  }

  /** The live file `file` as opened after `start`, the chain's last record; it has verified already. */
  static async of(file: string, start: AuditHead, policy: RotationPolicy): Promise<LiveFile> {
    const live = new LiveFile(policy, start.seq + 1);
    const { size } = await stat(file);
    if (size === 0) return live;
    const first = recordLink(await firstLine(file));
    const last = recordLink(await lastCompleteLine(file));
    if (!first || !last) throw new TaskguardError('audit_invalid', `audit log ${file} does not start and end with whole records: open it with openAuditLog`);
    live.add(first.seq, size, first.timeMs);
    live.records = last.seq - first.seq + 1;
    live.lastTimeMs = last.timeMs;
    return live;
  }

  /** Whether a record of `bytes` written at `timeMs` must go to a new file. */
  rotatesBefore(bytes: number, timeMs: number): boolean {
    if (this.records === 0) return false;
    const { maxBytes, maxAgeMs } = this.policy;
    return (maxBytes !== undefined && this.bytes + bytes > maxBytes) || (maxAgeMs !== undefined && timeMs - this.firstTimeMs >= maxAgeMs);
  }

  add(seq: number, bytes: number, timeMs: number): void {
    if (this.records === 0) {
      this.firstSeq = seq;
      this.firstTimeMs = timeMs;
    }
    this.records += 1;
    this.bytes += bytes;
    this.lastTimeMs = timeMs;
  }

  /** The file was rotated: the new one is empty and starts at `nextSeq`. */
  restart(nextSeq: number): void {
    this.bytes = 0;
    this.records = 0;
    this.firstTimeMs = 0;
    this.firstSeq = nextSeq;
    this.lastTimeMs = 0;
  }
}
