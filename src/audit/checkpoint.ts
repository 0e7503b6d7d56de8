import { readJsonFile, replaceFile, type JsonFileState } from './fs.js';

/**
 * Where a series that retention has pruned starts: the seq of the first record kept and the prev_hash it
 * names (the hash of the last record deleted). Kept in `<live file>.checkpoint`, written before any file is
 * deleted, so that verification can tell "deleted by retention" (the oldest file starts right here) from
 * "a file is missing" (it starts anywhere else, or there is no checkpoint at all).
 */
export interface SeriesCheckpoint {
  seq: number;
  prevHash: string;
}

export function checkpointFileOf(live: string): string {
  return `${live}.checkpoint`;
}

export function readCheckpointFile(live: string): Promise<JsonFileState<SeriesCheckpoint>> {
  return readJsonFile(checkpointFileOf(live), 'checkpoint file', 'seq and prev_hash', (value) => {
    if (typeof value !== 'object' || value === null) return undefined;
    const { seq, prev_hash: prevHash } = value as Record<string, unknown>;
    if (!Number.isSafeInteger(seq) || (seq as number) < 1 || typeof prevHash !== 'string' || !/^[0-9a-f]{64}$/.test(prevHash)) return undefined;
    return { seq: seq as number, prevHash };
  });
}

/** Replaced atomically and fsynced with its folder: it must be on disk before the files it stands for go. */
export async function writeCheckpointFile(live: string, checkpoint: SeriesCheckpoint): Promise<void> {
  await replaceFile(checkpointFileOf(live), `${JSON.stringify({ seq: checkpoint.seq, prev_hash: checkpoint.prevHash })}\n`, true);
}
