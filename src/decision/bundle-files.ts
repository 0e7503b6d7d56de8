import { readdirSync, readFileSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { TaskguardError } from '../errors.js';
import { MAX_BUNDLE_BYTES, readTarGz } from '../policy/tar.js';

const MAX_DEPTH = 16;

/** Every file of a bundle by its name inside the bundle (`/`-separated, no leading slash), read once. */
export type BundleFiles = ReadonlyMap<string, Buffer>;

/**
 * Reads a bundle whole: a folder (taskguard build's output, or an unpacked OPA bundle) or a `.tar.gz`
 * archive (`opa build -b`, a bundle service). Everything is read into memory first so that what a signature
 * is checked against is byte for byte what gets loaded.
 */
export function readBundleFiles(source: string): BundleFiles {
  const stats = statOrThrow(source);
  if (stats.isFile()) {
    if (stats.size > MAX_BUNDLE_BYTES) throw tooLarge(source);
    return readTarGz(readFileSync(source));
  }
  if (!stats.isDirectory()) throw new TaskguardError('bundle_invalid', `${source} is neither a bundle folder nor a .tar.gz file`);
  const files = new Map<string, Buffer>();
  let total = 0;
  const walk = (dir: string, depth: number): void => {
    if (depth > MAX_DEPTH) throw new TaskguardError('bundle_invalid', `${source} nests folders deeper than ${MAX_DEPTH}`);
    for (const entry of readdirSync(dir)) {
      const full = path.join(dir, entry);
      // stat, not lstat: mounted bundles (a Kubernetes ConfigMap) are symlinks to the real files.
      const entryStats = statSync(full);
      if (entryStats.isDirectory()) {
        walk(full, depth + 1);
      } else if (entryStats.isFile()) {
        total += entryStats.size;
        if (total > MAX_BUNDLE_BYTES) throw tooLarge(source);
        files.set(path.relative(source, full).split(path.sep).join('/'), readFileSync(full));
      } else {
        throw new TaskguardError('bundle_invalid', `${full} is not a regular file`);
      }
    }
  };
  walk(source, 0);
  return files;
}

function statOrThrow(source: string): Stats {
  try {
    return statSync(source);
  } catch (err) {
    throw new TaskguardError('bundle_missing', `cannot read the bundle ${source}; run taskguard build`, { cause: err });
  }
}

function tooLarge(source: string): TaskguardError {
  return new TaskguardError('bundle_invalid', `bundle ${source} is larger than ${MAX_BUNDLE_BYTES / 1048576} MiB`);
}
