import { constants, mkdirSync, realpathSync } from 'node:fs';
import { mkdir, open, realpath, rename, rm, type FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

/** A refusal a caller can act on (bad path, missing file, too large); tools answer it as an isError result. */
export class WorkspaceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkspaceError';
  }
}

export interface WorkspaceFile {
  /** Path relative to the workspace, with `/` separators: the only form ever shown to callers. */
  rel: string;
  content: Buffer;
}

/** Names the tools write under: one path segment, no leading dot (temp files start with one). */
const OUTPUT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

/**
 * The folder the demo tools work in. Every caller-supplied path is relative to it and is checked twice: as
 * written (no absolute paths, no `..`) and once resolved with realpath (no symlink leading out). Outputs
 * are written to a temp name and renamed, so a stopped tool never leaves a partial file behind.
 *
 * Scope of the guarantee: callers cannot name anything outside the workspace. Someone who can already write
 * inside it concurrently (swapping a checked directory for a symlink mid-call) is outside this threat model.
 */
export class Workspace {
  private constructor(readonly root: string) {}

  /** Creates the folder if missing; synchronous because it runs once, at registration. */
  static openSync(dir: string): Workspace {
    mkdirSync(dir, { recursive: true });
    return new Workspace(realpathSync(dir));
  }

  /** Reads a caller-named file: inside the workspace after resolving symlinks, a regular file, bounded. */
  async readFile(rel: string, maxBytes: number): Promise<WorkspaceFile> {
    const real = await this.#resolveExisting(rel);
    // O_NOFOLLOW: the last component was just resolved; refuse it if it has become a symlink since.
    const handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => {
      throw new WorkspaceError(`${rel}: cannot be opened`);
    });
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw new WorkspaceError(`${rel}: not a regular file`);
      if (info.size > maxBytes) throw new WorkspaceError(`${rel}: larger than ${maxBytes} bytes`);
      return { rel: this.relative(real), content: await handle.readFile() };
    } finally {
      await handle.close();
    }
  }

  /**
   * Creates a workspace subfolder the tools own (e.g. `exports`) and checks it did not resolve elsewhere:
   * mkdir succeeds on an existing symlink to a directory, which must not redirect the output.
   */
  async ensureDir(rel: string): Promise<string> {
    checkRelative(rel);
    await mkdir(path.join(this.root, rel), { recursive: true });
    return this.#checkedDir(rel, await realpath(path.join(this.root, rel)));
  }

  /** ensureDir for registration time. */
  ensureDirSync(rel: string): string {
    checkRelative(rel);
    mkdirSync(path.join(this.root, rel), { recursive: true });
    return this.#checkedDir(rel, realpathSync(path.join(this.root, rel)));
  }

  #checkedDir(rel: string, real: string): string {
    if (!this.#inside(real)) throw new WorkspaceError(`${rel}: resolves outside the workspace`);
    return real;
  }

  /**
   * Writes `dirRel/name` through a temp file in the same folder: `write` fills it, then it is synced and
   * renamed over the target. On any failure or abort the temp file is removed and nothing appears.
   */
  async writeAtomic(dirRel: string, name: string, signal: AbortSignal, write: (out: OutputFile) => Promise<void>): Promise<string> {
    if (!OUTPUT_NAME.test(name)) throw new WorkspaceError(`invalid output name: ${name}`);
    const dir = await this.ensureDir(dirRel);
    const target = path.join(dir, name);
    const temp = path.join(dir, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
    // 'wx' (O_CREAT|O_EXCL) never follows or reuses an existing entry, symlink or not.
    const handle = await open(temp, 'wx', 0o644);
    let closed = false;
    try {
      await write(new OutputFile(handle));
      await handle.sync();
      await handle.close();
      closed = true;
      // Last check before the output becomes visible: a task cancelled during the final write leaves nothing.
      signal.throwIfAborted();
      // rename replaces a symlink at the target rather than writing through it.
      await rename(temp, target);
      return this.relative(target);
    } catch (err) {
      if (!closed) await handle.close().catch(() => {});
      await rm(temp, { force: true });
      throw err;
    }
  }

  /** The caller-facing form of a path known to be inside the workspace. */
  relative(abs: string): string {
    return path.relative(this.root, abs).split(path.sep).join('/');
  }

  async #resolveExisting(rel: string): Promise<string> {
    checkRelative(rel);
    const joined = path.resolve(this.root, rel);
    if (joined === this.root) throw new WorkspaceError(`${rel}: not a file`);
    if (!this.#inside(joined)) throw new WorkspaceError(`${rel}: outside the workspace`);
    const real = await realpath(joined).catch(async () => {
      // Missing: still say "outside" when an existing ancestor leads out, so a symlinked folder cannot be
      // used to probe which files exist elsewhere on the host.
      const ancestor = await this.#nearestExisting(path.dirname(joined));
      throw new WorkspaceError(this.#inside(ancestor) || ancestor === this.root
        ? `${rel}: no such file in the workspace`
        : `${rel}: resolves outside the workspace`);
    });
    // Deliberately does not say where it points: the caller learns nothing about the host's files.
    if (!this.#inside(real)) throw new WorkspaceError(`${rel}: resolves outside the workspace`);
    return real;
  }

  async #nearestExisting(dir: string): Promise<string> {
    for (let current = dir; ; current = path.dirname(current)) {
      const real = await realpath(current).catch(() => undefined);
      if (real !== undefined || current === this.root || current === path.dirname(current)) return real ?? this.root;
    }
  }

  #inside(abs: string): boolean {
    return abs.startsWith(this.root + path.sep);
  }
}

/** Appends bytes to a temp output, counting what was written. */
export class OutputFile {
  #bytes = 0;

  constructor(private readonly handle: FileHandle) {}

  get bytes(): number {
    return this.#bytes;
  }

  async write(data: Buffer): Promise<void> {
    let offset = 0;
    // A write may be short; loop until the whole buffer is down.
    while (offset < data.length) {
      const { bytesWritten } = await this.handle.write(data, offset, data.length - offset);
      offset += bytesWritten;
    }
    this.#bytes += data.length;
  }
}

/** Rejects what must never reach path.resolve: absolute paths, `..` segments, NUL, backslashes. */
export function checkRelative(rel: string): void {
  if (rel.length === 0) throw new WorkspaceError('path is empty');
  if (rel.includes('\0')) throw new WorkspaceError('path contains a NUL byte');
  if (path.isAbsolute(rel) || path.win32.isAbsolute(rel)) throw new WorkspaceError(`${rel}: must be relative to the workspace`);
  // Backslashes are legal in POSIX names but read as separators elsewhere; refusing them keeps one meaning.
  if (rel.includes('\\')) throw new WorkspaceError(`${rel}: use / as the separator`);
  if (rel.split('/').includes('..')) throw new WorkspaceError(`${rel}: must not contain '..'`);
}

/** A safe single-segment output name (letters, digits, . _ -; no leading dot) from an arbitrary file name. */
export function safeName(base: string): string {
  return base.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[._-]+/, '').slice(0, 120) || 'document';
}
