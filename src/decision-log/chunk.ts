import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);

export type Chunk =
  | { ok: true; body: Buffer; count: number; jsonBytes: number }
  /** The first event alone compresses past the limit: OPA drops such an event and counts it. */
  | { ok: false };

/**
 * The next request body: a gzip'd JSON array of the first of `events` (all of them if they fit) that
 * compresses to at most `limitBytes` (OPA's upload_size_limit_bytes counts compressed bytes). Past the
 * limit, the count shrinks by the overshoot until the body fits; zlib runs on libuv's thread pool, off the
 * event loop.
 */
export async function encodeChunk(events: readonly string[], limitBytes: number): Promise<Chunk> {
  let count = events.length;
  for (;;) {
    const json = `[${events.slice(0, count).join(',')}]`;
    const body = await gzipAsync(json);
    if (body.length <= limitBytes) return { ok: true, body, count, jsonBytes: json.length };
    if (count === 1) return { ok: false };
    count = Math.max(1, Math.min(count - 1, Math.floor((count * limitBytes * 0.9) / body.length)));
  }
}

/** The JSON size to start the next chunk from: what the last one compressed by, aiming a little under the limit. */
export function nextEstimate(limitBytes: number, chunk: { body: Buffer; jsonBytes: number }): number {
  const ratio = Math.min(50, Math.max(1, chunk.jsonBytes / chunk.body.length));
  return Math.floor(limitBytes * ratio * 0.95);
}
