import { mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import { TaskguardError, describeError } from '../errors.js';
import { describeProblem } from './chain-scan.js';
import { FileSink, type FileSinkOptions } from './file-sink.js';
import { fileExists } from './fs.js';
import { readHeadFile } from './head.js';
import { AuditLog, type AuditLogOptions, type AuditRecovery } from './log.js';
import { GENESIS_HASH, type AuditHead } from './record.js';
import { endsWithNewline, lastLineSpan } from './tail.js';
import { verifyAuditLog, type AuditVerifyResult } from './verify.js';

export interface OpenAuditLogOptions extends Omit<AuditLogOptions, 'sink' | 'start' | 'recovered'>, Omit<FileSinkOptions, 'start'> {
  file: string;
}

/**
 * Opens a JSONL audit log for appending, continuing its chain. An existing file must verify against its head
 * file first. The one repair made is cutting a torn last line (no trailing newline), which a crash during a
 * write leaves behind and which was never acknowledged as durable; the cut is reported in `log.recovered`.
 * Anything else that fails to verify refuses to open: a new chain is never started over a tampered log.
 */
export async function openAuditLog(options: OpenAuditLogOptions): Promise<AuditLog> {
  const { file, fsync, intervalMs, ...logOptions } = options;
  let start: AuditHead = { seq: 0, hash: GENESIS_HASH };
  let recovered: AuditRecovery | null = null;
  try {
    await mkdir(path.dirname(file), { recursive: true });
  } catch (err) {
    throw new TaskguardError('audit_io', `cannot create the folder of audit log ${file}: ${describeError(err)}`, { cause: err });
  }
  if (await exists(file)) {
    let result = await verifyAuditLog(file, { head: 'sidecar' });
    if (!result.ok && result.problem?.kind === 'truncated' && !(await endsWithNewline(file))) {
      recovered = await cutTornLine(file, result.problem.line);
      result = await verifyAuditLog(file, { head: 'sidecar' });
    }
    if (!result.ok) refuse(file, result);
    start = { seq: result.lastSeq, hash: result.lastHash };
  } else {
    // A head with no log means the log was deleted or moved, not that this is a first start.
    const head = await readHeadFile(file);
    if (head.state !== 'missing') {
      throw new TaskguardError('audit_invalid', `audit log ${file} is missing but its head file exists; refusing to start a new chain`);
    }
  }
  const sinkOptions: FileSinkOptions = { start };
  if (fsync !== undefined) sinkOptions.fsync = fsync;
  if (intervalMs !== undefined) sinkOptions.intervalMs = intervalMs;
  const sink = await FileSink.open(file, sinkOptions);
  return new AuditLog({ ...logOptions, sink, start, recovered });
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
