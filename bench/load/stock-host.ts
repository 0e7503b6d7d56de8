import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { OAuthTokenVerifier } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { authenticate } from '../../src/http/bearer.js';
import { readJsonBody } from '../../src/http/body.js';
import { principalFromAuthInfo } from '../../src/identity/principal.js';

/**
 * The guard-OFF endpoint: src/http/host.ts with everything of the guard taken out (no guard.attach, no
 * step-up preflight) and everything else kept: Host header check, the same bearer authentication and
 * verifier, the same body reader, one McpServer and Streamable HTTP transport per session, sessions bound to
 * the principal that opened them. What differs between the two configurations is then the guard itself.
 */
export interface StockHost {
  listen(): Promise<string>;
  close(): Promise<void>;
}

interface Session {
  transport: StreamableHTTPServerTransport;
  owner: string;
}

const PATH = '/mcp';
const MAX_BODY_BYTES = 1_048_576;

export function createStockHost(verifier: OAuthTokenVerifier, createMcpServer: () => McpServer): StockHost {
  const sessions = new Map<string, Session>();
  let allowedHosts: string[] = [];

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendError(res, 500, -32603, 'internal error');
      else res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!allowedHosts.includes(req.headers.host ?? '')) return sendError(res, 403, -32600, 'host not allowed');
    if (url.pathname !== PATH) return sendError(res, 404, -32601, 'not found');
    const auth = await authenticate(req, verifier);
    if (!auth.ok) {
      res.setHeader('WWW-Authenticate', auth.challenge);
      return sendError(res, auth.status, -32001, auth.message);
    }
    const owner = ownerKey(auth.authInfo);
    if (!owner) return sendError(res, 401, -32001, 'token carries no usable identity');
    (req as IncomingMessage & { auth?: AuthInfo }).auth = auth.authInfo;

    let body: unknown;
    if (req.method === 'POST') {
      const parsed = await readJsonBody(req, MAX_BODY_BYTES);
      if (!parsed.ok) return sendError(res, parsed.status, parsed.status === 400 ? -32700 : -32600, parsed.message);
      body = parsed.value;
    }
    const sessionId = req.headers['mcp-session-id'];
    if (typeof sessionId === 'string') {
      const session = sessions.get(sessionId);
      if (!session || session.owner !== owner) return sendError(res, 404, -32001, 'session not found');
      return session.transport.handleRequest(req, res, body);
    }
    if (req.method !== 'POST' || !isInitializeRequest(body)) return sendError(res, 400, -32000, 'no valid session id provided');

    const mcp = createMcpServer();
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => void sessions.set(id, { transport, owner }),
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    await mcp.connect(transport);
    await transport.handleRequest(req, res, body);
  }

  return {
    listen: () => new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const { address, port } = server.address() as AddressInfo;
        allowedHosts = [`${address}:${port}`, `localhost:${port}`];
        resolve(`http://${address}:${port}${PATH}`);
      });
    }),
    async close() {
      for (const session of sessions.values()) await session.transport.close().catch(() => {});
      sessions.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

function ownerKey(authInfo: AuthInfo): string | undefined {
  const p = principalFromAuthInfo(authInfo);
  return p ? `${p.tenant}\0${p.sub}\0${p.clientId}\0${p.act?.sub ?? ''}` : undefined;
}

function sendError(res: ServerResponse, status: number, code: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}
