import { statSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';

export interface PolicyFileWatch {
  close(): void;
}

/**
 * Calls `reload` when any of `paths` changes: a bundle folder (any file in it), a bundle .tar.gz or a data
 * file (watched through its folder, since editors and `taskguard build` replace files rather than write
 * them in place, and a watch on the old inode would go quiet). Events are debounced: a build writes its
 * outputs one after another, and one reload after the last write sees them all. A change that arrives while
 * a reload runs schedules one more, so a reload that caught a half-written bundle (and was refused, the live
 * policy serving on) is followed by one of the finished bundle.
 */
export function watchPolicyFiles(paths: readonly string[], reload: () => Promise<unknown>, options: { debounceMs: number; onError: (err: Error) => void }): PolicyFileWatch {
  const watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let again = false;
  let closed = false;

  const fire = (): void => {
    timer = undefined;
    if (closed) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    // A reload that fails is the caller's to report; it must not become an unhandled rejection here.
    void reload().catch((err: unknown) => options.onError(err instanceof Error ? err : new Error(String(err)))).finally(() => {
      running = false;
      if (again && !closed) {
        again = false;
        schedule();
      }
    });
  };
  const schedule = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(fire, options.debounceMs);
    timer.unref();
  };

  // One watcher per folder; a file is matched by name within its folder.
  const folders = new Map<string, Set<string> | 'all'>();
  for (const p of paths) {
    const isDir = statSync(p, { throwIfNoEntry: false })?.isDirectory() === true;
    const folder = isDir ? p : path.dirname(p);
    const names = folders.get(folder);
    if (isDir) folders.set(folder, 'all');
    else if (names !== 'all') folders.set(folder, new Set([...(names ?? []), path.basename(p)]));
  }
  for (const [folder, names] of folders) {
    const watcher = watch(folder, { persistent: false }, (_event, name) => {
      if (names === 'all' || name === null || names.has(name.toString())) schedule();
    });
    watcher.on('error', (err) => options.onError(err));
    watchers.push(watcher);
  }

  return {
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      for (const w of watchers) w.close();
    },
  };
}
