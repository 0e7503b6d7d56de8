import type { IncomingMessage } from 'node:http';

export type BodyResult = { ok: true; value: unknown } | { ok: false; status: 400 | 413 | 415; message: string };

/** Reads a JSON request body up to `maxBytes`; anything larger is refused before it is buffered. */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<BodyResult> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type)) return { ok: false, status: 415, message: 'content-type must be application/json' };
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) return { ok: false, status: 413, message: `request body over ${maxBytes} bytes` };
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    // Past the limit, stop buffering but keep reading (and dropping) the rest, so the 413 can still be
    // written on a live socket; the caller answers with Connection: close.
    if (size > maxBytes) tooLarge = true;
    else chunks.push(chunk as Buffer);
    if (size > maxBytes * 16) {
      req.destroy();
      break;
    }
  }
  if (tooLarge) return { ok: false, status: 413, message: `request body over ${maxBytes} bytes` };
  try {
    // RFC 8259 section 8.1: a parser MAY ignore a leading byte order mark, and doing so is kinder than a
    // parse error for a body that is otherwise JSON.
    return { ok: true, value: JSON.parse(Buffer.concat(chunks).toString('utf8').replace(/^\uFEFF/, '')) };
  } catch {
    return { ok: false, status: 400, message: 'request body is not valid json' };
  }
}
