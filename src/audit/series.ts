import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { TaskguardError, describeError } from '../errors.js';
import type { AuditProblem } from './chain-scan.js';
import { recordLink } from './record-link.js';
import { firstLine } from './tail.js';

/**
 * A rotated audit log is a series: rotated files `audit.<first seq>.<time>.jsonl`, oldest first, then the
 * live file `audit.jsonl`, which keeps its name. The first seq is zero-padded to 16 digits (every safe
 * integer), so `ls` lists a series in chain order; the time (of the file's last record, `:` written as
 * `-`) is what retention ages a file by.
 */
export interface RotatedFile {
  path: string;
  name: string;
  /** seq of the file's first record, as its name says. */
  firstSeq: number;
  /** time_ms of the file's last record, as its name says. */
  timeMs: number;
}

const SEQ_DIGITS = 16;
const TIME = String.raw`\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{3}Z`;
const ROTATED = new RegExp(String.raw`^(.+)\.(\d{${SEQ_DIGITS}})\.(${TIME})(\.[^.]+)?$`);

function stemAndExt(live: string): { stem: string; ext: string } {
  const base = path.basename(live);
  const ext = path.extname(base);
  return { stem: base.slice(0, base.length - ext.length), ext };
}

/** Where the live file's records from `firstSeq` go when it is rotated after a last record at `timeMs`. */
export function rotatedPath(live: string, firstSeq: number, timeMs: number): string {
  const { stem, ext } = stemAndExt(live);
  const time = new Date(timeMs).toISOString().replaceAll(':', '-');
  return path.join(path.dirname(live), `${stem}.${String(firstSeq).padStart(SEQ_DIGITS, '0')}.${time}${ext}`);
}

/** The live file, first seq and time a rotated file's name stands for; undefined for any other name. */
export function parseRotatedPath(file: string): { live: string; firstSeq: number; timeMs: number } | undefined {
  const m = ROTATED.exec(path.basename(file));
  if (!m) return undefined;
  const [, stem, seq, time, ext] = m as unknown as [string, string, string, string, string | undefined];
  const timeMs = Date.parse(time.replace(/T(\d{2})-(\d{2})-(\d{2})/, 'T$1:$2:$3'));
  const firstSeq = Number(seq);
  if (!Number.isFinite(timeMs) || !Number.isSafeInteger(firstSeq) || firstSeq < 1) return undefined;
  return { live: path.join(path.dirname(file), `${stem}${ext ?? ''}`), firstSeq, timeMs };
}

/** The rotated files of `live`'s series, oldest (lowest first seq) first. */
export async function listRotated(live: string): Promise<RotatedFile[]> {
  const dir = path.dirname(live);
  const files: RotatedFile[] = [];
  for (const name of await readdir(dir)) {
    const parsed = parseRotatedPath(path.join(dir, name));
    if (parsed && parsed.live === path.join(dir, path.basename(live))) {
      files.push({ path: path.join(dir, name), name, firstSeq: parsed.firstSeq, timeMs: parsed.timeMs });
    }
  }
  return files.sort((a, b) => a.firstSeq - b.firstSeq);
}

/**
 * Whether a rotated file's first record is the one its name says. One that starts earlier, or where another
 * file of the series is named to start (`otherFirstSeqs`), was renamed or swapped: reordered. One that starts
 * later lost records from its start: removed. Undefined when it matches, or when the first line is not a
 * record (the scan then says what is wrong with it).
 */
export async function nameProblem(file: string, namedSeq: number, otherFirstSeqs: ReadonlySet<number>): Promise<AuditProblem | undefined> {
  let text: string | undefined;
  try {
    text = await firstLine(file);
  } catch (err) {
    throw new TaskguardError('audit_io', `cannot read audit log ${file}: ${describeError(err)}`, { cause: err });
  }
  const first = recordLink(text);
  if (!first || first.seq === namedSeq) return undefined;
  const name = path.basename(file);
  if (first.seq < namedSeq || otherFirstSeqs.has(first.seq)) {
    return { line: 1, seq: first.seq, kind: 'reordered', detail: `${name} is named for seq ${namedSeq} but holds the records from seq ${first.seq}: files were renamed or swapped` };
  }
  const missing = first.seq - namedSeq;
  return { line: 1, seq: first.seq, kind: 'removed', detail: `${name} is named for seq ${namedSeq} but starts at seq ${first.seq}: ${missing} record${missing === 1 ? '' : 's'} missing from its start` };
}
