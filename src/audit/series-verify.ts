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
  const { head, headProblem } = await resolveHead(live, options.head ?? 'sidecar');
  const files: SeriesFile[] = [];
  const cp = listing.checkpoint;
  if (cp.state === 'invalid') {
    const ctx: Context = { files, leftovers: [], headChecked: head !== undefined, checkpoint: undefined, records: 0, last: { seq: 0, hash: GENESIS_HASH } };
    return outcome(ctx, { line: 0, kind: 'checkpoint_mismatch', detail: cp.detail }, path.basename(checkpointFileOf(live)));
  }
  const checkpoint = cp.state === 'ok' ? cp.value : undefined;
  const kept = listing.rotated.filter((f) => !checkpoint || f.firstSeq >= checkpoint.seq);
  const leftovers = listing.rotated.filter((f) => !kept.includes(f)).map((f) => f.name);
  const firstSeqs = new Set(kept.map((f) => f.firstSeq));
  let start: ChainStart = checkpoint ? { from: 'checkpoint', seq: checkpoint.seq - 1, hash: checkpoint.prevHash } : GENESIS_START;
  const ctx: Context = { files, leftovers, headChecked: head !== undefined, checkpoint, records: 0, last: startBefore(start) ?? { seq: 0, hash: GENESIS_HASH } };
  const chain = [...kept.map((f) => ({ file: f.path, namedSeq: f.firstSeq as number | undefined })), { file: live, namedSeq: undefined }];
  for (const [i, { file, namedSeq }] of chain.entries()) {
    const isLive = i === chain.length - 1;
    const name = path.basename(file);
    const named = namedSeq === undefined ? undefined : await nameProblem(file, namedSeq, firstSeqs);
    if (named) return outcome(ctx, named, name);
    const result = await verifyFileFrom(file, start, isLive ? head : undefined, isLive ? headProblem : undefined);
    ctx.records += result.records;
    ctx.last = { seq: result.lastSeq, hash: result.lastHash };
    if (result.problem) return outcome(ctx, result.problem, name);
    if (!isLive && result.records === 0) {
      return outcome(ctx, { line: 1, kind: 'truncated', detail: `${name} holds no records, which a rotated file always does` }, name);
    }
    files.push({ name, records: result.records, firstSeq: result.lastSeq - result.records + 1, lastSeq: result.lastSeq });
    start = { from: 'file', seq: result.lastSeq, hash: result.lastHash, file: name };
  }
  return outcome(ctx);
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

function outcome(ctx: Context, problem?: AuditProblem, problemFile?: string): AuditSeriesResult {
  const result: AuditSeriesResult = {
    ok: problem === undefined, records: ctx.records, lastSeq: ctx.last.seq, lastHash: ctx.last.hash, headChecked: ctx.headChecked,
    files: ctx.files, leftovers: ctx.leftovers,
  };
  if (problem) result.problem = problem;
  if (problemFile) result.problemFile = problemFile;
  if (ctx.checkpoint) result.checkpoint = ctx.checkpoint;
  return result;
}
