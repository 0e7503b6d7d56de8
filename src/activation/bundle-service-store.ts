import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import path from 'node:path';
import { replaceFile, syncFolder } from '../audit/fs.js';
import { isRecord } from '../decision/parse.js';
import { sha256Hex } from '../util/digest.js';

/**
 * The last bundle a bundle service delivered and the host activated, kept in the state folder
 * (`bundles/<name>/bundle.tar.gz`, as OPA keeps `.opa/bundles/<name>/bundle.tar.gz`) so that a host
 * restarted while the service is down still has a policy. Only ever replaced by a bundle that passed every
 * check and went live; written to a temp file, fsynced and renamed over, mode 0600, so a crash leaves the
 * old copy or the new one. `bundle.json` beside it holds the ETag it was served under, tied to the archive
 * by its sha256: an ETag that does not match the archive is not used.
 */
export class PersistedBundle {
  readonly dir: string;
  readonly archive: string;
  readonly #meta: string;
  readonly #incoming: string;

  constructor(stateDir: string, name: string) {
    this.dir = path.join(stateDir, 'bundles', name);
    this.archive = path.join(this.dir, 'bundle.tar.gz');
    this.#meta = path.join(this.dir, 'bundle.json');
    this.#incoming = path.join(this.dir, 'incoming.tar.gz');
  }

  exists(): boolean {
    return statSync(this.archive, { throwIfNoEntry: false })?.isFile() === true;
  }

  /** The ETag the persisted archive was served under, if its record matches the archive. */
  etag(): string | undefined {
    try {
      const meta: unknown = JSON.parse(readFileSync(this.#meta, 'utf8'));
      if (!isRecord(meta) || typeof meta['etag'] !== 'string' || meta['sha256'] !== sha256Hex(readFileSync(this.archive))) return undefined;
      return meta['etag'];
    } catch {
      return undefined;
    }
  }

  /** Writes a downloaded archive beside the persisted one, for the candidate to be loaded from. */
  async receive(bytes: Uint8Array): Promise<string> {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    await replaceFile(this.#incoming, bytes);
    return this.#incoming;
  }

  /** The received archive went live: it becomes the persisted one, with its ETag. */
  async keep(bytes: Uint8Array, etag: string | undefined): Promise<void> {
    await rename(this.#incoming, this.archive);
    await replaceFile(this.#meta, JSON.stringify({ ...(etag !== undefined ? { etag } : {}), sha256: sha256Hex(bytes) }));
    await syncFolder(this.dir);
  }

  /** The received archive was refused: it goes, the persisted one stays. */
  discard(): void {
    rmSync(this.#incoming, { force: true });
  }
}
