import type { ServerResponse } from 'node:http';

/** A JSON-RPC request id: a string or a number (JSON-RPC 2.0 section 4); null when it is unknown or invalid. */
export type RequestId = string | number | null;

/** The id of a parsed request body, when it carries a valid one: an answer then names the request it refuses. */
export function requestIdOf(body: unknown): RequestId {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const id = (body as { id?: unknown }).id;
  return typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id)) ? id : null;
}

/** A JSON-RPC error answered at the HTTP layer, before (or instead of) the SDK's routing. */
export function sendError(res: ServerResponse, status: number, code: number, message: string, id: RequestId = null, data?: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code, message, ...(data === undefined ? {} : { data }) }, id }));
}

/**
 * A POST's answer stream as the SDK's transport opens it (text/event-stream, the session id, the same cache
 * and buffering headers), for requests the host answers itself. Sent at once for an answer that may wait;
 * for one that is ready, the headers leave with it, in one write.
 */
export function openSseAnswer(res: ServerResponse, sessionId: string, length?: number): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'mcp-session-id': sessionId,
    ...(length !== undefined ? { 'content-length': length } : {}),
  });
  if (length === undefined) res.flushHeaders();
}

/** One JSON-RPC answer as the stream's one `message` event; no answer (a cancelled request) ends it empty. */
export function sendSseAnswer(res: ServerResponse, sessionId: string, answer: unknown): void {
  if (res.destroyed) return;
  const event = answer === undefined ? '' : `event: message\ndata: ${JSON.stringify(answer)}\n\n`;
  // Not yet open: the whole stream is this one event, so it goes with its length rather than chunked.
  if (!res.headersSent) openSseAnswer(res, sessionId, Buffer.byteLength(event));
  res.end(event);
}
