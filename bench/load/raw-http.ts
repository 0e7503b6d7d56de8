import { request, type Agent, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';

/**
 * What the raw-HTTP load clients (2025-11-25 and 2026-07-28) share: one POST over a keep-alive agent, and the
 * JSON-RPC answer found in its body, which a Streamable HTTP server may send as JSON or as an SSE stream.
 */

/** A JSON-RPC error answer, with its code, as the SDK client's McpError carries one. */
export class RpcReplyError extends Error {
  constructor(readonly code: number, message: string) {
    super(`rpc error ${code}: ${message}`);
  }
}

export interface HttpReply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** POSTs `body` and reads the whole answer (an SSE answer ends when the server has sent the response). */
export function post(url: URL, agent: Agent, headers: OutgoingHttpHeaders, body: string, timeoutMs: number, what: string): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, timeout: timeoutMs, headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.setEncoding('utf8')
        .on('data', (chunk: string) => void (text += chunk))
        .on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }))
        .on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${what} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * The result of request `id` in `reply`: a JSON body (one message or a batch) or the `data:` of SSE events
 * (notifications and server requests before it are skipped). An error answer throws RpcReplyError.
 */
export function rpcResult(reply: HttpReply, id: number): Record<string, unknown> {
  const contentType = reply.headers['content-type'] ?? '';
  const messages = contentType.startsWith('text/event-stream') ? sseMessages(reply.text) : jsonMessages(reply.text);
  const answer = messages.find((m) => m['id'] === id && !('method' in m));
  if (!answer) throw new Error(`http ${reply.status} without the answer to request ${id}`);
  const error = answer['error'] as { code: number; message: string } | undefined;
  if (error) throw new RpcReplyError(error.code, error.message);
  const result = answer['result'];
  if (typeof result !== 'object' || result === null) throw new Error(`http ${reply.status}: no result in the answer`);
  return result as Record<string, unknown>;
}

type Message = Record<string, unknown>;

function jsonMessages(text: string): Message[] {
  if (text === '') return [];
  const parsed = JSON.parse(text) as Message | Message[];
  return Array.isArray(parsed) ? parsed : [parsed];
}

/** Events are separated by a blank line; an event's data lines join with \n (WHATWG SSE). Comments and empty data carry no message. */
export function sseMessages(text: string): Message[] {
  const out: Message[] = [];
  for (const event of text.split(/\r?\n\r?\n/)) {
    const data = event.split(/\r?\n/).filter((line) => line.startsWith('data:')).map((line) => line.slice(line.startsWith('data: ') ? 6 : 5));
    const json = data.join('\n');
    if (json.trim() !== '') out.push(JSON.parse(json) as Message);
  }
  return out;
}
