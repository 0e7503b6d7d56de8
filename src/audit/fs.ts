import { open, readFile, rename, stat } from 'node:fs/promises';
import path from 'node:path';

export async function fileExists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** fsyncs a folder, so a file just created, renamed or deleted in it stays so after a crash. */
export async function syncFolder(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Replaces `target` atomically: write a temp file, fsync it, rename over. A crash leaves either the old
 * content or the new, never a torn mix. `syncDir` also fsyncs the folder, so the new content survives a
 * crash rather than only never being torn.
 */
export async function replaceFile(target: string, text: string | Uint8Array, syncDir = false): Promise<void> {
  const temp = `${target}.tmp`;
  const handle = await open(temp, 'w', 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, target);
  if (syncDir) await syncFolder(path.dirname(target));
}

export type JsonFileState<T> =
  | { state: 'missing' }
  | { state: 'invalid'; detail: string }
  | { state: 'ok'; value: T };

/**
 * Reads a small JSON file (a head, a checkpoint) and judges it with `accept`; details name it `what` and,
 * when `accept` refuses it, say which `fields` it lacks.
 */
export async function readJsonFile<T>(file: string, what: string, fields: string, accept: (value: unknown) => T | undefined): Promise<JsonFileState<T>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'missing' };
    throw err;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { state: 'invalid', detail: `${what} is not json` };
  }
  const accepted = accept(value);
  return accepted === undefined ? { state: 'invalid', detail: `${what} lacks a valid ${fields}` } : { state: 'ok', value: accepted };
}
