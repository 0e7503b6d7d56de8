import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import type { OAuthTokenVerifier } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import { InvalidTokenError } from '@modelcontextprotocol/sdk/server/auth/errors.js';

/** A fixed clock for every test: tokens are built around it and the verifier is given it. */
export const NOW_MS = 1_763_800_000_000;
export const NOW_S = NOW_MS / 1000;
export const ISSUER = 'https://issuer.example.com';
export const AUDIENCE = 'https://mcp.example.com/mcp';

export interface TestKey {
  alg: string;
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  /** The public JWK, with kid and alg, as an issuer publishes it. */
  jwk: JWK;
}

export async function makeKey(alg: 'RS256' | 'PS256' | 'ES256' | 'EdDSA', kid: string): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { alg, kid, privateKey, publicKey, jwk };
}

/** Claims a valid token carries; each test overrides what it is about (undefined deletes a claim). */
export function baseClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: ISSUER, aud: AUDIENCE, sub: 'alice', tenant: 'acme', azp: 'reports-agent',
    scope: 'reports:read reports:export', iat: NOW_S - 60, exp: NOW_S + 600, ...overrides,
  };
}

export async function sign(key: TestKey, claims: Record<string, unknown> = baseClaims(), header: { kid?: string | undefined } = {}): Promise<string> {
  const kid = 'kid' in header ? header.kid : key.kid;
  return new SignJWT(withoutUndefined(claims)).setProtectedHeader({ alg: key.alg, ...(kid === undefined ? {} : { kid }) }).sign(key.privateKey);
}

/** Drops undefined members, so a test can delete a claim by overriding it with undefined. */
function withoutUndefined(claims: Record<string, unknown>): JWTPayload {
  return Object.fromEntries(Object.entries(claims).filter(([, v]) => v !== undefined));
}

export function b64url(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

/**
 * Expects a rejection as the SDK's InvalidTokenError with the given reason, and checks the one thing every
 * rejection must share: the token is not in the message.
 */
export async function assertRejected(verifier: OAuthTokenVerifier, token: string, reason: string | RegExp): Promise<void> {
  await assert.rejects(verifier.verifyAccessToken(token), (err: unknown) => {
    assert.ok(err instanceof InvalidTokenError, `expected InvalidTokenError, got ${String(err)}`);
    // (Every message "contains" the empty string; for that one case there is nothing to leak.)
    if (token !== '') assert.ok(!err.message.includes(token), 'the error message must not contain the token');
    for (const part of token.split('.')) if (part.length > 8) assert.ok(!err.message.includes(part), 'nor any part of it');
    if (typeof reason === 'string') assert.equal(err.message, reason);
    else assert.match(err.message, reason);
    return true;
  });
}

/** A JWKS endpoint on 127.0.0.1 that serves whatever `keys` holds now and counts its requests. */
export class JwksServer {
  keys: JWK[] = [];
  requests = 0;
  status = 200;
  readonly #server: Server;

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(keys: JWK[]): Promise<JwksServer> {
    let self: JwksServer | undefined;
    const server = createServer((req, res) => {
      if (!self) return void res.writeHead(503).end();
      self.requests += 1;
      if (req.url !== '/jwks.json' || self.status !== 200) return void res.writeHead(self.status === 200 ? 404 : self.status).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: self.keys }));
    });
    self = new JwksServer(server);
    self.keys = keys;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return self;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/jwks.json`;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
