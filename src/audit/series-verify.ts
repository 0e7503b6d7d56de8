import path from 'node:path';
import { TaskguardError, describeError } from '../errors.js';
import type { AuditProblem, AuditVerifyResult } from './chain-scan.js';
import { GENESIS_START, startBefore, type ChainStart } from './chain-start.js';
import { checkpointFileOf, readCheckpointFile, type SeriesCheckpoint } from './checkpoint.js';
import type { JsonFileState } from './fs.js';
import { GENESIS_HASH } from './record.js';
import { listRotated, nameProblem, type RotatedFile } from './series.js';
import { resolveHead, verifyFileFrom, type AuditVerifyOptions } from './verify.js';

/** One file of a series that verified. */
export interface SeriesFile {
  name: string;
  records: number;
  /** For a file with no records (a live file just rotated): the seq its first record will have. */
  firstSeq: number;
  lastSeq: number;
}

export interface AuditSeriesResult extends AuditVerifyResult {
  /** The files that verified, oldest first, the live file last. */
  files: SeriesFile[];
  /** The base name of the file the problem is in. */
  problemFile?: string;
  /** Where retention's checkpoint says the kept series starts; absent when nothing was pruned. */
  checkpoint?: SeriesCheckpoint;
  /** Rotated files before the checkpoint, which a retention pass meant to delete and did not get to: not checked. */
  leftovers: string[];
}

interface Listing {
  rotated: RotatedFile[];
  checkpoint: JsonFileState<SeriesCheckpoint>;
}

/** Rescans this often at most when the series changed under a scan that failed. */
const ATTEMPTS = 3;

/**
 * Verifies the series of live file `live` in order: the kept rotated files (oldest first) and then the live
 * file, each file's first record following the last record of the file before it, the first file following
 * retention's checkpoint (or the genesis hash when nothing was pruned), and the end against the live file's
 * head. A removed middle file shows as a seq gap at the next file's first line, a renamed or swapped file
 * as a first record that is not the one its name says, an edited record at its own line.
 *
 * The writer may rotate or prune while this runs: a scan that fails over a series that changed meanwhile is
 * repeated, so a live host's series does not fail for having moved on.
 */
export async function verifyAuditSeries(live: string, options: AuditVerifyOptions = {}): Promise<AuditSeriesResult> {
  for (let attempt = 1; ; attempt++) {
    const listing = await list(live);
    let result: AuditSeriesResult;
    try {
      result = await scanSeries(live, listing, options);
    } catch (err) {
      if (attempt < ATTEMPTS && !(await unchanged(live, listing))) continue;
      throw err;
    }
    if (result.ok || attempt >= ATTEMPTS || (await unchanged(live, listing))) return result;
  }
}

/** Whether `live` has rotated files or a checkpoint: then it is checked as a series. */
export async function isSeries(live: string): Promise<boolean> {
  const listing = await list(live);
  return listing.rotated.length > 0 || listing.checkpoint.state !== 'missing';
}

async function list(live: string): Promise<Listing> {
  try {
    return { rotated: await listRotated(live), checkpoint: await readCheckpointFile(live) };
  } catch (err) {
    throw new TaskguardError('audit_io', `cannot list the audit series of ${live}: ${describeError(err)}`, { cause: err });
  }
}

async function unchanged(live: string, before: Listing): Promise<boolean> {
  const now = await list(live);
  const names = (l: Listing): string => JSON.stringify([l.rotated.map((f) => f.name), l.checkpoint]);
  return names(now) === names(before);
}

async function scanSeries(live: string, listing: Listing, options: AuditVerifyOptions): Promise<AuditSeriesResult> {
  const headOption = options.head ?? 'sidecar';
  const files: SeriesFile[] = [];
  const cp = listing.checkpoint;
  if (cp.state === 'invalid') {
    const ctx: Context = { files, leftovers: [], headChecked: headOption !== 'none', checkpoint: undefined, records: 0, last: { seq: 0, hash: GENESIS_HASH } };
    return outcome(ctx, { line: 0, kind: 'checkpoint_mismatch', detail: cp.detail }, path.basename(checkpointFileOf(live)));
  }
  const checkpoint = cp.state === 'ok' ? cp.value : undefined;
  let rotated = listing.rotated.filter((f) => !checkpoint || f.firstSeq >= checkpoint.seq);
  const leftovers = listing.rotated.filter((f) => !rotated.includes(f)).map((f) => f.name);
  let start: ChainStart = checkpoint ? { from: 'checkpoint', seq: checkpoint.seq - 1, hash: checkpoint.prevHash } : GENESIS_START;
  const ctx: Context = { files, leftovers, headChecked: headOption !== 'none', checkpoint, records: 0, last: startBefore(start) ?? { seq: 0, hash: GENESIS_HASH } };
  for (let round = 0; ; round++) {
    const firstSeqs = new Set(rotated.map((f) => f.firstSeq));
    for (const f of rotated) {
      const named = await nameProblem(f.path, f.firstSeq, firstSeqs);
      if (named) return outcome(ctx, named, f.name);
      const result = await verifyFileFrom(f.path, start, undefined);
      if (!take(ctx, f.name, result)) return outcome(ctx, result.problem, f.name);
      if (result.records === 0) return outcome(ctx, { line: 1, kind: 'truncated', detail: `${f.name} holds no records, which a rotated file always does` }, f.name);
      start = { from: 'file', seq: result.lastSeq, hash: result.lastHash, file: f.name };
    }
    // The head is read right before the live file: one read earlier may name a file rotated since.
    const { head, headProblem } = await resolveHead(live, headOption);
    ctx.headChecked = head !== undefined;
    const result = await verifyFileFrom(live, start, head, headProblem);
    if (result.ok) {
      take(ctx, path.basename(live), result);
      return outcome(ctx);
    }
    // The writer may have rotated the live file while it was being read: the files rotated since come next.
    const newest = rotated.at(-1)?.firstSeq ?? checkpoint?.seq ?? 0;
    const since = round < MAX_ROUNDS ? (await list(live)).rotated.filter((f) => f.firstSeq > newest) : [];
    if (since.length === 0) {
      ctx.records += result.records;
      ctx.last = { seq: result.lastSeq, hash: result.lastHash };
      return outcome(ctx, result.problem, path.basename(live));
    }
    rotated = since;
  }
}

/** How often a scan follows a live file rotated under it before it reports what it found. */
const MAX_ROUNDS = 50;

/** Counts a file that verified (true), or the records before its problem (false). */
function take(ctx: Context, name: string, result: AuditVerifyResult): boolean {
  ctx.records += result.records;
  ctx.last = { seq: result.lastSeq, hash: result.lastHash };
  if (result.problem) return false;
  ctx.files.push({ name, records: result.records, firstSeq: result.lastSeq - result.records + 1, lastSeq: result.lastSeq });
  return true;
}

interface Context {
  files: SeriesFile[];
  leftovers: string[];
  headChecked: boolean;
  checkpoint: SeriesCheckpoint | undefined;
  /** Records verified so far, and the last of them (or what the series starts from). */
  records: number;
  last: { seq: number; hash: string };
}

function outcome(ctx: Context, problem?: AuditProblem | undefined, problemFile?: string): AuditSeriesResult {
  const result: AuditSeriesResult = {
    ok: problem === undefined, records: ctx.records, lastSeq: ctx.last.seq, lastHash: ctx.last.hash, headChecked: ctx.headChecked,
    files: ctx.files, leftovers: ctx.leftovers,
  };
  if (problem) result.problem = problem;
  if (problemFile) result.problemFile = problemFile;
  if (ctx.checkpoint) result.checkpoint = ctx.checkpoint;
  return result;
}
