import { gunzipSync } from 'node:zlib';
import { TaskguardError } from '../errors.js';

/**
 * Reads the regular files of a gzipped ustar archive, which is all `opa build` writes. Small and strict on
 * purpose: a bundle is our own build output, so anything unexpected is an error rather than a guess.
 */
export function readTarGz(archive: Uint8Array): Map<string, Buffer> {
  const tar = gunzipSync(archive);
  const files = new Map<string, Buffer>();
  let offset = 0;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const name = cString(header.subarray(0, 100));
    const prefix = cString(header.subarray(345, 500));
    const size = Number.parseInt(cString(header.subarray(124, 136)).trim() || '0', 8);
    const type = String.fromCharCode(header[156] ?? 0);
    if (!Number.isFinite(size) || size < 0) throw new TaskguardError('bundle_invalid', `bad tar entry size for ${name}`);
    const start = offset + 512;
    if (start + size > tar.length) throw new TaskguardError('bundle_invalid', `tar entry ${name} is truncated`);
    if (type === '0' || type === '\0') {
      const full = (prefix ? `${prefix}/${name}` : name).replace(/^\/+/, '');
      files.set(full, Buffer.from(tar.subarray(start, start + size)));
    }
    offset = start + Math.ceil(size / 512) * 512;
  }
  return files;
}

function cString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return Buffer.from(end === -1 ? bytes : bytes.subarray(0, end)).toString('utf8');
}
