import { randomUUID } from 'node:crypto';
import { Client } from '@modelcontextprotocol/client';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { createTaskSessionFromClient, type TaskEnabledSession } from '@modelcontextprotocol/ext-tasks/client';
import { CLIENT_INFO, DECLARING, exchange2026, REVISION } from '../../wire-2026/support.js';

/** An SDK v2 client negotiated to 2026-07-28 at `url` with a bearer token, and an ext-tasks session on it. */
export async function connect2026(url: string, token: string): Promise<{ client: Client; session: TaskEnabledSession }> {
  const client = new Client(CLIENT_INFO, { versionNegotiation: { mode: 'auto' }, capabilities: DECLARING });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
  const session = createTaskSessionFromClient(client, {
    endpointId: url,
    v2RequestFraming: { protocolVersion: REVISION, clientInfo: CLIENT_INFO, clientCapabilities: DECLARING },
    // The session's own requests, as a plain fetch carrying the token and SEP-2243's headers.
    rawDispatch: async (request, options) => {
      const reply = await exchange2026(url, token, { jsonrpc: '2.0', id: randomUUID(), ...(request as Record<string, unknown>) }, options?.context?.headers);
      return reply.body.error
        ? { kind: 'error', error: { code: reply.body.error.code, message: reply.body.error.message } }
        : { kind: 'result', result: (reply.body.result ?? {}) as never };
    },
  });
  return { client, session };
}

/** The 2026 `tasks/*` request for `taskId`, with the `_meta` envelope declaring the tasks extension. */
export function taskRequest2026(method: string, taskId: string, id: number | string = 9): Record<string, unknown> {
  return {
    jsonrpc: '2.0', id, method,
    params: { taskId, _meta: { 'io.modelcontextprotocol/protocolVersion': REVISION, 'io.modelcontextprotocol/clientCapabilities': DECLARING } },
  };
}
