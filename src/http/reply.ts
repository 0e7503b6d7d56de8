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
