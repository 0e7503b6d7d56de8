import { unlink } from 'node:fs/promises';
import path from 'node:path';
import { TaskguardError, describeError } from '../errors.js';
import { readCheckpointFile, writeCheckpointFile } from './checkpoint.js';
import { fileExists, syncFolder } from './fs.js';
import { recordLink, type RecordLink } from './record-link.js';
import { listRotated, type RotatedFile } from './series.js';
import { checkSeriesLinks } from './series-links.js';
import { firstLine } from './tail.js';

/** Which rotated files retention deletes: those beyond the maxFiles newest, and those older than maxAgeMs. */
export interface SeriesRetention {
  maxFiles?: number | undefined;
  maxAgeMs?: number | undefined;
}

export interface PrunedFile {
  file: string;
  firstSeq: number;
  lastSeq: number;
  /** Why it went, as the info line says. */
  why: string;
}

export interface PruneSeriesOptions {
  /** Epoch milliseconds; a file's age is from the time of its last record (in its name). Default Date.now. */
  now?: number;
  /** One line per file deleted. */
  onInfo?: (line: string) => void;
}

/**
 * Deletes the oldest rotated files of `live`'s series that the retention policy names, never the live file,
 * and only a run of the oldest: the kept series stays whole. Before deleting anything it writes the
 * checkpoint (the first kept record's seq and the hash it follows) and fsyncs it, so a crash midway leaves
 * files the checkpoint already covers, which the next pass deletes and verification skips. Refuses, deleting
 * nothing, when the files it would delete, or the first one it keeps, do not link: a broken chain is
 * evidence, not something to prune away.
 */
export async function pruneAuditSeries(live: string, retention: SeriesRetention, options: PruneSeriesOptions = {}): Promise<PrunedFile[]> {
  const now = options.now ?? Date.now();
  try {
    const rotated = await listRotated(live);
    const checkpoint = await readCheckpointFile(live);
    if (checkpoint.state === 'invalid') throw new TaskguardError('audit_invalid', `${checkpoint.detail}: retention deletes nothing`);
    const keptFrom = checkpoint.state === 'ok' ? checkpoint.value.seq : 0;
    const doomed: { file: RotatedFile; why: string }[] = [];
    for (const [i, file] of rotated.entries()) {
      const why = reason(file, i, rotated.length, keptFrom, retention, now);
      if (why === undefined) break;
      doomed.push({ file, why });
    }
    if (doomed.length === 0) return [];
    // Every link from the first file deleted to the first file kept must hold: a gap or an edit among them
    // is evidence, and deleting it would leave a series that verifies.
    const next = rotated[doomed.length];
    const links = await checkSeriesLinks([...doomed.map((d) => d.file), ...(next ? [next] : [])], undefined);
    if (links.problem) throw new TaskguardError('audit_invalid', `${links.problem}: retention deletes nothing`);
    const lasts = links.lasts.slice(0, doomed.length);
    const cut = lasts.at(-1) as RecordLink;
    if (!next) await checkLiveFollows(cut, live, (doomed.at(-1) as { file: RotatedFile }).file.name);
    if (cut.seq + 1 > keptFrom) await writeCheckpointFile(live, { seq: cut.seq + 1, prevHash: cut.hash });
    const pruned: PrunedFile[] = [];
    for (const [i, { file, why }] of doomed.entries()) {
      const lastSeq = (lasts[i] as RecordLink).seq;
      await unlink(file.path).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
      pruned.push({ file: file.path, firstSeq: file.firstSeq, lastSeq, why });
      options.onInfo?.(`retention deleted ${file.name} (seq ${file.firstSeq} to ${lastSeq}): ${why}`);
    }
    await syncFolder(path.dirname(live));
    return pruned;
  } catch (err) {
    if (err instanceof TaskguardError) throw err;
    throw new TaskguardError('audit_io', `cannot prune the audit series of ${live}: ${describeError(err)}`, { cause: err });
  }
}

function reason(file: RotatedFile, index: number, count: number, keptFrom: number, retention: SeriesRetention, now: number): string | undefined {
  if (file.firstSeq < keptFrom) return 'before the checkpoint, left by an interrupted retention pass';
  if (retention.maxFiles !== undefined && index < count - retention.maxFiles) return `beyond the ${retention.maxFiles} newest rotated files`;
  if (retention.maxAgeMs !== undefined && now - file.timeMs >= retention.maxAgeMs) return `older than ${retention.maxAgeMs} ms`;
  return undefined;
}

/** The live file must start with the record after `cut` (it may still be empty, just rotated). */
async function checkLiveFollows(cut: RecordLink, live: string, cutName: string): Promise<void> {
  const text = (await fileExists(live)) ? await firstLine(live) : undefined;
  if (text === undefined) return;
  const first = recordLink(text);
  if (!first || first.seq !== cut.seq + 1 || first.prevHash !== cut.hash) {
    throw new TaskguardError('audit_invalid', `${path.basename(live)} does not follow ${cutName}: retention deletes nothing`);
  }
}
