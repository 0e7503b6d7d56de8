import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { classifyInboundRequest, createMcpHandler, McpServer, type AuthInfo } from '@modelcontextprotocol/server';
import type { Preflight } from '../wire/preflight.js';
import type { TasksExtension } from '../wire/v2026/extension.js';

/** The 2026-07-28 side of a dual-stack endpoint: the v2 SDK's handler with the tasks extension attached. */
export interface ModernLeg {
  /** Whether the v2 SDK's classifier routes this request to the 2026-07-28 leg (its own rule, not a copy of it). */
  claims(req: IncomingMessage, body: unknown): boolean;
  /** The same RFC 9470 preflight the 2025 leg runs, through the extension's own routing. */
  preflight(body: unknown, authInfo: AuthInfo): Promise<Preflight<AuthInfo>>;
  /** Serves one POST whose body was already read and checked by the host. */
  serve(req: IncomingMessage, res: ServerResponse, body: unknown, authInfo: AuthInfo): Promise<void>;
  close(): Promise<void>;
}

export interface ModernLegOptions {
  extension: TasksExtension;
  /** Server name and version announced in server/discover. */
  serverInfo: { name: string; version: string };
}

/**
 * The v2 handler in strict mode (`legacy: 'reject'`): the host sends it only what the SDK's own classifier
 * calls modern, and keeps the 1.x sessionful transport for 2025-11-25, because the v2 legacy fallback is
 * stateless and cannot hold a 2025 task's session (tasks/result waiting, server-to-client elicitation).
 */
export function createModernLeg(options: ModernLegOptions): ModernLeg {
  const { extension, serverInfo } = options;
  const handler = createMcpHandler((ctx) => extension.attach(new McpServer(serverInfo), ctx), { legacy: 'reject' });
  return {
    claims: isModernRequest,
    preflight: (body, authInfo) => extension.preflight(body, authInfo),
    async serve(req, res, body, authInfo) {
      const abort = new AbortController();
      res.once('close', () => abort.abort());
      const request = new Request(new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`), {
        method: 'POST', headers: headersOf(req), body: JSON.stringify(body), signal: abort.signal,
      });
      const response = await handler.fetch(request, { authInfo, parsedBody: body });
      res.writeHead(response.status, Object.fromEntries(response.headers));
      if (!response.body) return void res.end();
      // A stream the client dropped ends here; the handler already saw the abort.
      await pipeline(Readable.fromWeb(response.body as Parameters<typeof Readable.fromWeb>[0]), res).catch(() => {});
    },
    close: () => handler.close(),
  };
}

function isModernRequest(req: IncomingMessage, body: unknown): boolean {
  const header = (name: string): string | undefined => {
    const value = req.headers[name];
    return typeof value === 'string' ? value : undefined;
  };
  const outcome = classifyInboundRequest({
    httpMethod: req.method ?? 'GET',
    body,
    ...optional('protocolVersionHeader', header('mcp-protocol-version')),
    ...optional('mcpMethodHeader', header('mcp-method')),
    ...optional('mcpNameHeader', header('mcp-name')),
  });
  return outcome.kind !== 'legacy';
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}

function headersOf(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    // content-length would describe the body as it came, not as it is re-serialized here.
    if (value === undefined || name === 'content-length' || name === 'transfer-encoding' || name === 'connection') continue;
    headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  return headers;
}
