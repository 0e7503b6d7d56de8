import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveHealth, type ReadinessChecks } from '../http/health.js';
import { serveMetrics, type MetricsSource } from './endpoint.js';

export interface DiagnosticServerOptions {
  host: string;
  port: number;
  /** The MCP host's readiness checks and whether it drains: /readyz here answers for that host. */
  readiness: ReadinessChecks;
  draining: () => boolean;
  /** Omitted (metrics.enabled false): probes only. */
  metrics?: MetricsSource;
}

export interface DiagnosticServer {
  readonly server: Server;
  /** Resolves with the listener's base url. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

/**
 * A listener apart from the MCP endpoint, like OPA's --diagnostic-addr: GET /metrics, /livez and /readyz,
 * nothing else (404), no credentials asked and none accepted. It exists so scrapes and probes need not
 * reach the MCP port (which may face the internet), and so the MCP port need not serve /metrics at all.
 * No Host check: what it answers is the same for every caller and holds nothing a rebinding page could use.
 */
export function createDiagnosticServer(options: DiagnosticServerOptions): DiagnosticServer {
  const server = createServer((req, res) => {
    void (async () => {
      const pathname = new URL(req.url ?? '/', 'http://diagnostics').pathname;
      if (await serveHealth(req, res, pathname, options.draining(), options.readiness)) return;
      if (options.metrics && (await serveMetrics(req, res, pathname, options.metrics))) return;
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('not found\n');
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  return {
    server,
    listen: () => new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        const { address, port } = server.address() as AddressInfo;
        resolve(`http://${address.includes(':') ? `[${address}]` : address}:${port}`);
      });
    }),
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
