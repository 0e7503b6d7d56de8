import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AuthProxy {
  /** The proxy's own origin, e.g. http://127.0.0.1:40123. */
  origin: string;
  port: number;
  close(): Promise<void>;
}

/**
 * A loopback proxy that adds `Authorization: Bearer <token>` to every request (the token read per request, so it can be minted
 * after the proxy's port is known) and forwards it unchanged
 * otherwise (Host and Origin included, so the host's own allow-lists still judge them). The conformance runner
 * cannot send a token; with this in front the host stays fail-closed and the runner still reaches it.
 * Responses stream through as they come, so SSE answers and notifications arrive when the host sends them.
 */
export async function startAuthProxy(target: { host: string; port: number }, token: () => string): Promise<AuthProxy> {
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    const headers = { ...req.headers, authorization: `Bearer ${token()}` };
    const upstream = http.request({ host: target.host, port: target.port, method: req.method, path: req.url, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.rawHeaders);
      res.flushHeaders();
      answer.pipe(res);
    });
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    // A client that goes away (the runner closing an SSE stream) closes the upstream leg too.
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
