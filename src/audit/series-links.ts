import { TaskguardError, describeError } from '../errors.js';
import { recordLink, type RecordLink } from './record-link.js';
import type { RotatedFile } from './series.js';
import { firstLine, lastCompleteLine } from './tail.js';

/** The record a file's first record must follow, and how messages name it. */
export interface LinkFrom {
  seq: number;
  hash: string;
  what: string;
}

export interface SeriesLinks {
  /** The last record of each file that linked, in order. */
  lasts: RecordLink[];
  /** Why the next file did not link, as a phrase; absent when all did. */
  problem?: string;
}

/**
 * Checks how rotated files link by reading only each one's first and last record: each must be whole,
 * start at the seq its name says, and follow the last record of the file before it (the first file:
 * `from`, or anything when `from` is undefined). Finds a file removed, renamed, swapped or cut short in a
 * few reads per file, without scanning the records in between (verifyAuditSeries does that).
 */
export async function checkSeriesLinks(files: readonly RotatedFile[], from: LinkFrom | undefined): Promise<SeriesLinks> {
  const lasts: RecordLink[] = [];
  let prev = from;
  for (const file of files) {
    const first = recordLink(await read(file.path, firstLine));
    const last = recordLink(await read(file.path, lastCompleteLine));
    if (!first || !last || first.seq !== file.firstSeq || last.seq < first.seq) {
      return { lasts, problem: `${file.name} does not start with the record its name says and end with a whole record` };
    }
    if (prev && (first.seq !== prev.seq + 1 || first.prevHash !== prev.hash)) return { lasts, problem: `${file.name} does not follow ${prev.what}` };
    lasts.push(last);
    prev = { seq: last.seq, hash: last.hash, what: file.name };
  }
  return { lasts };
}

async function read(file: string, how: (file: string) => Promise<string | undefined>): Promise<string | undefined> {
  try {
    return await how(file);
  } catch (err) {
    throw new TaskguardError('audit_io', `cannot read rotated audit log ${file}: ${describeError(err)}`, { cause: err });
  }
}
