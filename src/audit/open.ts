import { mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import { TaskguardError, describeError } from '../errors.js';
import { describeProblem } from './chain-scan.js';
import { GENESIS_START, type ChainStart } from './chain-start.js';
import { readCheckpointFile } from './checkpoint.js';
import { FileSink, type FileSinkOptions } from './file-sink.js';
import { fileExists } from './fs.js';
import { readHeadFile } from './head.js';
import { AuditLog, type AuditLogOptions, type AuditRecovery } from './log.js';
import { GENESIS_HASH, type AuditHead } from './record.js';
import { pruneAuditSeries, type SeriesRetention } from './retention.js';
import type { RotatedInfo } from './rotation.js';
import { listRotated, type RotatedFile } from './series.js';
import { checkSeriesLinks, type LinkFrom } from './series-links.js';
import { endsWithNewline, lastLineSpan } from './tail.js';
import { resolveHead, verifyFileFrom, type AuditVerifyResult } from './verify.js';

export interface OpenAuditLogOptions
  extends Omit<AuditLogOptions, 'sink' | 'start' | 'recovered'>, Omit<FileSinkOptions, 'start' | 'afterRotate'> {
  file: string;
  /** Deletes old rotated files: once when the log opens, then after each rotation. */
  retain?: SeriesRetention | undefined;
  /** What rotation and retention did, one line each: a file rotated, a file deleted, a retention pass that failed. */
  onInfo?: ((line: string) => void) | undefined;
}

/**
 * Opens a JSONL audit log for appending, continuing its chain. An existing file must verify against its head
 * file first, and when the log is rotated, its first record must follow the last record of the newest
 * rotated file (or retention's checkpoint): a new chain is never started beside an old one. Two repairs are
 * made, each for a state a crash leaves and each reported in `log.recovered`: a torn last line (no trailing
 * newline, never acknowledged as durable) is cut, and a rotation interrupted after its rename (no live file,
 * the head naming the rotated file's last record) is finished. Anything else that fails to verify refuses.
 */
export async function openAuditLog(options: OpenAuditLogOptions): Promise<AuditLog> {
  const { file, fsync, intervalMs, rotate, retain, onInfo, ...logOptions } = options;
  let start: AuditHead = { seq: 0, hash: GENESIS_HASH };
  let recovered: AuditRecovery | null = null;
  try {
    await mkdir(path.dirname(file), { recursive: true });
  } catch (err) {
    throw new TaskguardError('audit_io', `cannot create the folder of audit log ${file}: ${describeError(err)}`, { cause: err });
  }
  const { rotated, before } = await whatComesBefore(file);
  if (await exists(file)) {
    const check = async (): Promise<AuditVerifyResult> => {
      const { head, headProblem } = await resolveHead(file, 'sidecar');
      return verifyFileFrom(file, before, head, headProblem);
    };
    let result = await check();
    if (!result.ok && result.problem?.kind === 'truncated' && !(await endsWithNewline(file))) {
      recovered = await cutTornLine(file, result.problem.line);
      result = await check();
    }
    if (!result.ok) refuse(file, result);
    start = { seq: result.lastSeq, hash: result.lastHash };
  } else {
    const finished = await finishRotation(file, rotated, before);
    start = finished.start;
    recovered = finished.recovered;
  }
  const clock = logOptions.clock ?? Date.now;
  const prune = retain ? retention(file, retain, clock, onInfo) : undefined;
  const sinkOptions: FileSinkOptions = {
    start, rotate,
    afterRotate: async (info: RotatedInfo) => {
      onInfo?.(`rotated ${path.basename(file)} to ${path.basename(info.file)} (seq ${info.firstSeq} to ${info.lastSeq})`);
      await prune?.();
    },
  };
  if (fsync !== undefined) sinkOptions.fsync = fsync;
  if (intervalMs !== undefined) sinkOptions.intervalMs = intervalMs;
  const sink = await FileSink.open(file, sinkOptions);
  const log = new AuditLog({ ...logOptions, sink, start, recovered });
  await prune?.();
  return log;
}

/** A retention pass that reports instead of throwing: failing to delete old files must not stop the log. */
function retention(file: string, retain: SeriesRetention, clock: () => number, onInfo: ((line: string) => void) | undefined): () => Promise<void> {
  return async () => {
    try {
      await pruneAuditSeries(file, retain, { now: clock(), ...(onInfo ? { onInfo } : {}) });
    } catch (err) {
      onInfo?.(`retention failed, nothing more deleted: ${describeError(err)}`);
    }
  };
}

/**
 * What the live file's first record must follow: the last record of the newest rotated file kept, else the
 * checkpoint retention wrote, else (a log never rotated) the genesis hash. The kept rotated files must link
 * from the checkpoint (or seq 1) to there.
 */
async function whatComesBefore(file: string): Promise<{ rotated: RotatedFile[]; before: ChainStart }> {
  let rotated: RotatedFile[];
  let checkpoint: Awaited<ReturnType<typeof readCheckpointFile>>;
  try {
    rotated = await listRotated(file);
    checkpoint = await readCheckpointFile(file);
  } catch (err) {
    throw new TaskguardError('audit_io', `cannot list the audit series of ${file}: ${describeError(err)}`, { cause: err });
  }
  if (checkpoint.state === 'invalid') throw new TaskguardError('audit_invalid', `audit log ${file}: ${checkpoint.detail}; refusing to continue its chain`);
  const cp = checkpoint.state === 'ok' ? checkpoint.value : undefined;
  const kept = rotated.filter((f) => !cp || f.firstSeq >= cp.seq);
  const from: LinkFrom = cp ? { seq: cp.seq - 1, hash: cp.prevHash, what: 'the checkpoint' } : { seq: 0, hash: GENESIS_HASH, what: 'the genesis hash' };
  // Each file's ends only: scanning every rotated file on every start would cost as much as the series.
  const links = await checkSeriesLinks(kept, from);
  if (links.problem) {
    throw new TaskguardError('audit_invalid', `audit series of ${file} is broken: ${links.problem} (a file is missing, renamed or cut short; taskguard audit verify says more); refusing to continue its chain`);
  }
  const newest = kept.at(-1);
  const last = links.lasts.at(-1);
  if (newest && last) return { rotated, before: { from: 'file', seq: last.seq, hash: last.hash, file: newest.name } };
  return { rotated, before: cp ? { from: 'checkpoint', seq: cp.seq - 1, hash: cp.prevHash } : GENESIS_START };
}

/**
 * No live file. A first start when nothing of a series is there; a rotation that crashed between its rename
 * and creating the new file when the head names the newest rotated file's last record (the new file is
 * created by FileSink.open); anything else means the live file was deleted or moved, and refuses.
 */
async function finishRotation(file: string, rotated: RotatedFile[], before: ChainStart): Promise<{ start: AuditHead; recovered: AuditRecovery | null }> {
  const head = await readHeadFile(file);
  if (before.from === 'file' && head.state === 'ok' && head.head.seq === before.seq && head.head.hash === before.hash) {
    return {
      start: head.head,
      recovered: { line: 0, bytes: 0, detail: `finished an interrupted rotation: ${before.file} holds the records up to seq ${before.seq}, a new ${path.basename(file)} continues the chain` },
    };
  }
  if (head.state !== 'missing') {
    throw new TaskguardError('audit_invalid', `audit log ${file} is missing but its head file exists; refusing to start a new chain`);
  }
  if (before.from !== 'genesis' || rotated.length > 0) {
    throw new TaskguardError('audit_invalid', `audit log ${file} is missing but its series has rotated files or a checkpoint; refusing to start a new chain`);
  }
  return { start: { seq: 0, hash: GENESIS_HASH }, recovered: null };
}

async function cutTornLine(file: string, line: number): Promise<AuditRecovery> {
  try {
    const span = await lastLineSpan(file);
    const handle = await open(file, 'r+');
    try {
      await handle.truncate(span.start);
      await handle.sync();
    } finally {
      await handle.close();
    }
    const bytes = span.size - span.start;
    return { line, bytes, detail: `cut a torn last line (line ${line}, ${bytes} bytes without a trailing newline) left by an interrupted write` };
  } catch (err) {
    throw new TaskguardError('audit_io', `cannot cut the torn last line of audit log ${file}: ${describeError(err)}`, { cause: err });
  }
}

function refuse(file: string, result: AuditVerifyResult): never {
  const where = result.problem ? describeProblem(result.problem) : 'unknown problem';
  throw new TaskguardError('audit_invalid', `audit log ${file} does not verify, ${where}; refusing to continue its chain`);
}

async function exists(file: string): Promise<boolean> {
  try {
    return await fileExists(file);
  } catch (err) {
    throw new TaskguardError('audit_io', `cannot read audit log ${file}: ${describeError(err)}`, { cause: err });
  }
}
