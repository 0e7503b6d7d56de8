import { gunzipSync, gzipSync } from 'node:zlib';
import { TaskguardError, describeError } from '../errors.js';

/** Inflated size a bundle archive may reach: far above any policy, far below a gzip bomb. */
export const MAX_BUNDLE_BYTES = 64 * 1024 * 1024;

const BLOCK = 512;

/**
 * Reads the regular files of a gzipped ustar archive, which is what `opa build` writes and what a bundle
 * service serves. Small and strict on purpose: links, GNU/pax extension headers, `..` segments and a name
 * given twice are errors rather than guesses, because each is a way to make two readers see two bundles.
 * Directory entries are skipped. Leading slashes (OPA writes `/policy.wasm`) are dropped.
 */
export function readTarGz(archive: Uint8Array): Map<string, Buffer> {
  let tar: Buffer;
  try {
    tar = gunzipSync(archive, { maxOutputLength: MAX_BUNDLE_BYTES });
  } catch (err) {
    throw new TaskguardError('bundle_invalid', `bundle archive does not inflate: ${describeError(err)}`, { cause: err });
  }
  const files = new Map<string, Buffer>();
  let offset = 0;
  while (offset + BLOCK <= tar.length) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) break;
    const name = cString(header.subarray(0, 100));
    const prefix = cString(header.subarray(345, 500));
    const size = Number.parseInt(cString(header.subarray(124, 136)).trim() || '0', 8);
    const type = String.fromCharCode(header[156] ?? 0);
    if (!Number.isFinite(size) || size < 0) throw new TaskguardError('bundle_invalid', `bad tar entry size for ${name}`);
    const start = offset + BLOCK;
    if (start + size > tar.length) throw new TaskguardError('bundle_invalid', `tar entry ${name} is truncated`);
    const full = (prefix ? `${prefix}/${name}` : name).replace(/^\/+/, '');
    if (type === '0' || type === '\0') {
      if (full.split('/').some((part) => part === '..' || part === '')) throw new TaskguardError('bundle_invalid', `tar entry ${JSON.stringify(full)} is not a plain relative path`);
      if (files.has(full)) throw new TaskguardError('bundle_invalid', `tar entry ${full} appears twice`);
      files.set(full, Buffer.from(tar.subarray(start, start + size)));
    } else if (type !== '5') {
      throw new TaskguardError('bundle_invalid', `tar entry ${full} has the unsupported type ${JSON.stringify(type)} (only files and folders)`);
    }
    offset = start + Math.ceil(size / BLOCK) * BLOCK;
  }
  return files;
}

/**
 * A gzipped ustar archive of `files` in the shape `opa build` writes: names with a leading slash (OPA's
 * reader matches `.manifest`'s `/policy.wasm` against them), mode 0644, owner 0, mtime 0, so equal files
 * give equal archives.
 */
export function writeTarGz(files: Iterable<readonly [string, Uint8Array]>): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, bytes] of files) {
    blocks.push(header(`/${name}`, bytes.length), Buffer.from(bytes), Buffer.alloc((BLOCK - (bytes.length % BLOCK)) % BLOCK));
  }
  blocks.push(Buffer.alloc(2 * BLOCK));
  return gzipSync(Buffer.concat(blocks));
}

function header(name: string, size: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  const nameBytes = Buffer.from(name, 'utf8');
  if (nameBytes.length > 100) throw new TaskguardError('build_failed', `bundle file name ${name} is longer than 100 bytes`);
  nameBytes.copy(h, 0);
  h.write('0000644\0', 100, 'ascii');
  h.write('0000000\0', 108, 'ascii');
  h.write('0000000\0', 116, 'ascii');
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
  h.write('00000000000\0', 136, 'ascii');
  h.fill(' ', 148, 156); // the checksum is computed with its own field as spaces
  h.write('0', 156, 'ascii');
  h.write('ustar\0' + '00', 257, 'ascii');
  const checksum = h.reduce((sum, b) => sum + b, 0);
  h.write(`${checksum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
}

function cString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return Buffer.from(end === -1 ? bytes : bytes.subarray(0, end)).toString('utf8');
}
