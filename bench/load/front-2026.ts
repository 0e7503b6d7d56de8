import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, type AuthInfo, type McpRequestContext, type McpServer } from '@modelcontextprotocol/server';
import type { JWK } from 'jose';
import { authenticate } from '../../src/http/bearer.js';
import { readJsonBody } from '../../src/http/body.js';
import { createTokenVerifier, validateIdentityConfig } from '../../src/identity/index.js';
import { AUDIENCE, ISSUER } from './identity.js';

const MAX_BODY_BYTES = 1_000_000;

/** What may stop a verified request before the v2 handler sees it (the guard's RFC 9470 step-up preflight). */
export type Gate = (body: unknown, authInfo: AuthInfo) => Promise<{ ok: true; authInfo: AuthInfo } | { ok: false; status: number }>;

export interface Front2026 {
  url: string;
  close(): Promise<void>;
}

/**
 * The 2026-07-28 endpoint both v2 configurations share, as the README's "Embedding in a v2 server" writes
 * it: node:http verifying the ES256 bearer token, then createMcpHandler with a fresh McpServer per request
 * (sessionless), `legacy: 'reject'`. Only the factory and the optional gate differ between guard ON and OFF.
 */
export async function startFront2026(publicJwk: JWK, factory: (ctx: McpRequestContext) => McpServer, gate?: Gate): Promise<Front2026> {
  const handler = createMcpHandler(factory, { legacy: 'reject' });
  const node = toNodeHandler(handler);
  const verifier = createTokenVerifier(validateIdentityConfig({ issuer: ISSUER, audience: AUDIENCE, keys: [publicJwk], algorithms: ['ES256'] }));
  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const auth = await authenticate(req, verifier);
    if (!auth.ok) return void res.writeHead(auth.status, { 'www-authenticate': auth.challenge }).end();
    let body: unknown;
    if (req.method === 'POST') {
      const parsed = await readJsonBody(req, MAX_BODY_BYTES);
      if (!parsed.ok) return void res.writeHead(parsed.status).end();
      body = parsed.value;
    }
    const checked = gate ? await gate(body, auth.authInfo as AuthInfo) : { ok: true as const, authInfo: auth.authInfo as AuthInfo };
    if (!checked.ok) return void res.writeHead(checked.status).end();
    await node(Object.assign(req, { auth: checked.authInfo }) as Parameters<typeof node>[0], res, body);
  };
  const server = createServer((req, res) => {
    serve(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`,
    async close() {
      await handler.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
