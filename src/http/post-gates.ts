import type { IncomingMessage } from 'node:http';
import { isJsonContentType } from '@modelcontextprotocol/sdk/shared/mediaType.js';
import { isInitializeRequest, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';

/**
 * isInitializeRequest, asked only of a message whose method is initialize: the SDK's zod guard costs a
 * failed parse for every other POST of a session, which is nearly all of them.
 */
export function isInitializeMessage(body: unknown): boolean {
  return typeof body === 'object' && body !== null && (body as { method?: unknown }).method === 'initialize' && isInitializeRequest(body);
}

export interface GateRefusal {
  status: number;
  code: number;
  message: string;
}

/**
 * The Streamable HTTP transport's own checks on a POST (Accept, Content-Type, MCP-Protocol-Version, a second
 * initialize), made here first because the SDK answers them with `id: null` even when the request's id is
 * known. Same conditions and codes as the SDK's (which stay behind these, unchanged).
 */
export function postGate(req: IncomingMessage, body: unknown, inSession: boolean): GateRefusal | undefined {
  const accept = req.headers.accept ?? '';
  // A comma-separated list: a substring check is what the transport specifies (and the SDK does).
  if (!accept.includes('application/json') || !accept.includes('text/event-stream')) {
    return { status: 406, code: -32000, message: 'not acceptable: the client must accept both application/json and text/event-stream' };
  }
  if (!isJsonContentType(req.headers['content-type'])) {
    return { status: 415, code: -32000, message: 'unsupported media type: content-type must be application/json' };
  }
  const version = req.headers['mcp-protocol-version'];
  if (inSession && version !== undefined && !(SUPPORTED_PROTOCOL_VERSIONS as readonly string[]).includes(String(version))) {
    return { status: 400, code: -32000, message: `unsupported protocol version (supported: ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')})` };
  }
  if (inSession && isInitializeMessage(body)) return { status: 400, code: -32600, message: 'invalid request: server already initialized' };
  return undefined;
}
