import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { OAuthTokenVerifier } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js';
import { principalFromAuthInfo, principalKey } from '../identity/principal.js';
import type { Taskguard } from '../wire/v2025/taskguard.js';
import { TO_TRANSPORT } from '../wire/v2025/direct.js';
import type { StepUpObligation } from '../decision/types.js';
import { stepUpData, TASKGUARD_RPC_ERRORS } from '../wire/rpc-errors.js';
import { authenticate } from './bearer.js';
import { readJsonBody } from './body.js';
// A type only: a host without the 2026 leg never loads @modelcontextprotocol/server (an optional peer).
import type { ModernLeg } from './modern-leg.js';
import { isInitializeMessage, postGate } from './post-gates.js';
import { isPlainMessage } from './plain-message.js';
import { serveHealth, type ReadinessChecks } from './health.js';
import { serveMetrics, type MetricsSource } from '../metrics/endpoint.js';
import { checkedOrigins, defaultOrigins, originAllowed } from './origin.js';
import { openSseAnswer, requestIdOf, sendError, sendSseAnswer, type RequestId } from './reply.js';
import { sendSessionRefusal, sessionLimits } from './session-limits.js';
import { SessionTable, type SessionLimits } from './sessions.js';

export interface HttpHostOptions {
  verifier: OAuthTokenVerifier;
  guard: Taskguard;
  /** Builds a fresh McpServer for a new session; the host attaches the guard to it. */
  createMcpServer: () => McpServer;
  host?: string;
  port?: number;
  path?: string;
  /** Host header values accepted (DNS rebinding protection); defaults to the listen address. */
  allowedHosts?: string[];
  /**
   * Origin header values accepted; a request carrying any other Origin gets 403 (Streamable HTTP). Defaults
   * to the loopback origins of the listen port and the protected resource's origin. No Origin passes.
   */
  allowedOrigins?: string[];
  maxBodyBytes?: number;
  /**
   * RFC 9728 protected resource metadata, served unauthenticated at /.well-known/oauth-protected-resource
   * (and with the MCP path appended); its URL is named in every 401 challenge.
   */
  /** The RFC 9728 document; `scopes_supported` may be a function, read per request (it follows the active policy). */
  protectedResource?: { resource: string; authorization_servers?: string[]; scopes_supported?: readonly string[] | (() => readonly string[]) };
  /** What GET /readyz checks besides draining (see health.ts); /livez needs nothing. */
  readiness?: ReadinessChecks;
  /**
   * GET /metrics, unauthenticated and before the Host check like the probes (a scraper addresses the pod);
   * omitted, /metrics is an unknown path. The reference host leaves it out when a diagnostic listener serves it.
   */
  metrics?: MetricsSource;
  /**
   * Session lifetime and caps (defaults: idle 30 minutes, 16 per principal, 1000 in all). A session past its
   * idle time is closed and answered 404 like an unknown one; a new session past a cap gets 429 (principal)
   * or 503 (host) with Retry-After and JSON-RPC -32008. Tasks are bound to the principal, not the session.
   */
  sessions?: Partial<SessionLimits>;
  /**
   * The 2026-07-28 leg on the same path (see createModernLeg): a POST the v2 SDK's classifier calls modern
   * goes to it, after the same Host, Origin, bearer, body and batch checks and the same step-up 401; the
   * rest (initialize, sessions, GET and DELETE) stays on the 1.x transport. Without it, 2025-11-25 only.
   */
  modern?: ModernLeg;
}

export interface HttpHost {
  readonly server: Server;
  listen(): Promise<string>;
  /** Graceful shutdown, first step: new requests get 503, open streams stay until close(). */
  drain(): void;
  close(): Promise<void>;
  sessions(): number;
}

/**
 * Streamable HTTP for guarded MCP servers. Every request is authenticated with a bearer token; a session
 * is bound to the principal that opened it, and a request naming a session that is not the caller's is
 * answered exactly as one naming no session at all.
 */
export function createHttpHost(options: HttpHostOptions): HttpHost {
  const path = options.path ?? '/mcp';
  const maxBody = options.maxBodyBytes ?? 1_048_576;
  const sessions = new SessionTable<HostedSession>(sessionLimits(options.sessions));
  let allowedHosts = options.allowedHosts;
  // Empty until listen() knows the port: nothing is served before then anyway.
  let allowedOrigins: ReadonlySet<string> = checkedOrigins(options.allowedOrigins ?? []);
  let draining = false;
  let resourceMetadataUrl: string | undefined;
  const metadataPaths = ['/.well-known/oauth-protected-resource', `/.well-known/oauth-protected-resource${path}`];

  const server = createServer((req, res) => {
    const seen: { id: RequestId } = { id: null };
    handle(req, res, seen).catch(() => {
      if (!res.headersSent) sendError(res, 500, -32603, 'internal error', seen.id);
      else res.end();
    });
  });

  /** `seen.id` is the request's JSON-RPC id once its body is read, for every answer from then on. */
  async function handle(req: IncomingMessage, res: ServerResponse, seen: { id: RequestId }): Promise<void> {
    const pathname = pathOf(req.url);
    if (pathname !== undefined && (await serveHealth(req, res, pathname, draining, options.readiness))) return;
    if (pathname !== undefined && options.metrics && (await serveMetrics(req, res, pathname, options.metrics))) return;
    if (allowedHosts && !allowedHosts.includes(req.headers.host ?? '')) return sendError(res, 403, -32600, 'host not allowed');
    if (!originAllowed(req.headers.origin, allowedOrigins)) return sendError(res, 403, -32600, 'origin not allowed');
    if (pathname === undefined) return sendError(res, 400, -32600, 'invalid request target');
    if (options.protectedResource && metadataPaths.includes(pathname) && req.method === 'GET') {
      const { scopes_supported: scopes, ...document } = options.protectedResource;
      // Short-lived in caches: the scopes change when a policy with other tools is activated.
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=60' });
      return void res.end(JSON.stringify({
        bearer_methods_supported: ['header'], ...document,
        ...(scopes !== undefined ? { scopes_supported: typeof scopes === 'function' ? scopes() : scopes } : {}),
      }));
    }
    if (pathname !== path) return sendError(res, 404, -32601, 'not found');
    if (draining) {
      res.setHeader('connection', 'close');
      return sendError(res, 503, -32000, 'server is shutting down');
    }

    const auth = await authenticate(req, options.verifier, resourceMetadataUrl);
    if (!auth.ok) {
      res.setHeader('WWW-Authenticate', auth.challenge);
      return sendError(res, auth.status, -32001, auth.message);
    }
    const owner = ownerKey(auth.authInfo);
    if (!owner) return sendError(res, 401, -32001, 'token carries no usable identity');
    (req as IncomingMessage & { auth?: AuthInfo }).auth = auth.authInfo;

    let body: unknown;
    if (req.method === 'POST') {
      const parsed = await readJsonBody(req, maxBody);
      if (!parsed.ok) {
        if (parsed.status === 413) res.setHeader('connection', 'close');
        return sendError(res, parsed.status, parsed.status === 400 ? -32700 : -32600, parsed.message);
      }
      body = parsed.value;
      seen.id = requestIdOf(body);
      // MCP (2025-06-18) removed JSON-RPC batching; the SDK would still serve one, so it stops here.
      if (Array.isArray(body)) return sendError(res, 400, -32600, 'json-rpc batches are not supported');
      if (options.modern?.claims(req, body)) return serveModern(options.modern, req, res, body, auth.authInfo, seen.id);
      // Valid json that is no json-rpc message is an invalid request; the SDK would call it a parse error.
      const message = isPlainMessage(body) ? { success: true as const } : JSONRPCMessageSchema.safeParse(body);
      if (!message.success) {
        // A well-formed request whose params the SDK's schema refuses (a `_meta.progressToken` of 1.5, say) is
        // invalid params; anything else is not a message at all.
        if (isRequestEnvelope(body)) return sendError(res, 400, -32602, `invalid params: ${firstIssue(message.error)}`, seen.id);
        return sendError(res, 400, -32600, 'not a json-rpc message', seen.id);
      }
    }

    const sessionId = req.headers['mcp-session-id'];
    if (req.method === 'POST') {
      const refused = postGate(req, body, typeof sessionId === 'string');
      if (refused) return sendError(res, refused.status, refused.code, refused.message, seen.id);
    }
    if (typeof sessionId === 'string') {
      // Someone else's session id, and an expired one, get the answer an unknown one gets.
      const session = sessions.find(sessionId, owner);
      if (!session) return sendError(res, 404, -32001, 'session not found', seen.id);
      res.once('close', sessions.touch(session, req.method !== 'GET'));
      if (req.method === 'POST') {
        // Decided once: a step-up answer is the RFC 9470 401 here; any other decision rides on with the request.
        const checked = await options.guard.preflight(body, auth.authInfo);
        if (checked.stepUp) return sendStepUp(res, seen.id, checked.stepUp, resourceMetadataUrl);
        (req as IncomingMessage & { auth?: AuthInfo }).auth = checked.authInfo;
        const direct = options.guard.answer(body, checked.authInfo, { server: session.value.mcp, waiting: () => openWaitingAnswer(res, sessionId, session.value.ended.signal) });
        const answered = direct ? await direct : TO_TRANSPORT;
        if (answered !== TO_TRANSPORT) return sendSseAnswer(res, sessionId, answered);
      }
      return session.value.transport.handleRequest(req, res, body);
    }
    if (req.method !== 'POST' || !isInitializeMessage(body)) return sendError(res, 400, -32000, 'no valid session id provided', seen.id);

    const place = sessions.reserve(owner);
    if (!place.ok) return sendSessionRefusal(res, place, seen.id);
    const mcp = options.createMcpServer();
    let opened = false;
    try {
      options.guard.attach(mcp);
      const ended = new AbortController();
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          opened = true;
          place.open({ id, owner, value: { transport, mcp, ended }, close: () => mcp.close() });
        },
      });
      transport.onclose = () => {
        ended.abort(SESSION_ENDED);
        if (transport.sessionId) sessions.remove(transport.sessionId);
      };
      await mcp.connect(transport);
      await transport.handleRequest(req, res, body);
    } finally {
      // An initialize the SDK refused leaves no session: its place is free, its server disconnected.
      if (!opened) {
        place.cancel();
        await mcp.close().catch(() => {});
      }
    }
  }

  /** 2026-07-28 is sessionless: no session table, and the v2 handler answers its own validation ladder. */
  async function serveModern(leg: ModernLeg, req: IncomingMessage, res: ServerResponse, body: unknown, authInfo: AuthInfo, id: RequestId): Promise<void> {
    // The v2 SDK's AuthInfo is the same verified record under its own type.
    const checked = await leg.preflight(body, authInfo as Parameters<ModernLeg['preflight']>[1]);
    if (checked.stepUp) return sendStepUp(res, id, checked.stepUp, resourceMetadataUrl);
    await leg.serve(req, res, body, checked.authInfo);
  }

  return {
    server,
    sessions: () => sessions.size,
    listen: () => new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
        const { address, port } = server.address() as AddressInfo;
        allowedHosts ??= [`${address}:${port}`, `localhost:${port}`];
        if (!options.allowedOrigins) allowedOrigins = defaultOrigins(address, port, options.protectedResource?.resource);
        if (options.protectedResource) resourceMetadataUrl = `${new URL(options.protectedResource.resource).origin}${metadataPaths[1]}`; // RFC 9728 section 3.1
        resolve(`http://${address}:${port}${path}`);
      });
    }),
    drain() {
      draining = true;
    },
    async close() {
      await sessions.closeAll();
      await options.modern?.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Open SSE streams would keep server.close waiting forever.
      server.closeAllConnections();
      await closed;
    },
  };
}

/**
 * For an answer that may wait: the stream opens now, as the SDK's would, and the signal is aborted when the
 * exchange closes (the client went away, or the answer was sent, when it no longer matters).
 */
function openWaitingAnswer(res: ServerResponse, sessionId: string, sessionEnded: AbortSignal): AbortSignal {
  openSseAnswer(res, sessionId);
  const controller = new AbortController();
  // The session ending (DELETE, idle expiry, host close) ends it too, as the SDK's transport closes its streams.
  const onEnded = (): void => controller.abort(SESSION_ENDED);
  if (sessionEnded.aborted) onEnded();
  else sessionEnded.addEventListener('abort', onEnded, { once: true });
  res.once('close', () => {
    sessionEnded.removeEventListener('abort', onEnded);
    controller.abort(EXCHANGE_CLOSED);
  });
  return controller.signal;
}

// One reason each: abort() without one builds a DOMException, stack and all, every time.
const EXCHANGE_CLOSED = new Error('the http exchange closed');
const SESSION_ENDED = new Error('the session ended');

/** What the host keeps per session: its transport and server, and a signal for its end. */
interface HostedSession {
  transport: StreamableHTTPServerTransport;
  mcp: McpServer;
  ended: AbortController;
}

/** The path a request targets; undefined for a target that is no url (an absolute form such as `http://[::1`). */
function pathOf(target: string | undefined): string | undefined {
  try {
    return new URL(target ?? '/', 'http://localhost').pathname;
  } catch {
    return undefined;
  }
}

/**
 * Who a session belongs to: the full acting identity, the RFC 8693 actor included. Alice acting directly
 * and a service acting for alice are different callers, and one must never use the other's session.
 */
function ownerKey(authInfo: AuthInfo): string | undefined {
  const p = principalFromAuthInfo(authInfo);
  return p ? principalKey(p) : undefined;
}

/** RFC 9470: 401 with an insufficient_user_authentication challenge, and the JSON-RPC error in the body. */
function sendStepUp(res: ServerResponse, id: RequestId, obligation: StepUpObligation, resourceMetadataUrl: string | undefined): void {
  const params = [
    'error="insufficient_user_authentication"',
    'error_description="a more recent or stronger authentication is required"',
    ...(obligation.acr_values !== undefined ? [`acr_values="${obligation.acr_values}"`] : []),
    ...(obligation.max_age_s !== undefined ? [`max_age=${obligation.max_age_s}`] : []),
    ...(resourceMetadataUrl ? [`resource_metadata="${resourceMetadataUrl}"`] : []),
  ];
  res.setHeader('WWW-Authenticate', `Bearer ${params.join(', ')}`);
  sendError(res, 401, TASKGUARD_RPC_ERRORS.stepUpRequired, 'step-up authentication required', id, stepUpData(obligation));
}

/** `{ jsonrpc: "2.0", method, id?, params? }` with a usable id and structured params: a request the client meant. */
function isRequestEnvelope(body: unknown): boolean {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const { jsonrpc, method, id, params } = body as Record<string, unknown>;
  // JSON-RPC 2.0 section 4.2: params, when present, is a structured value; otherwise the request is invalid.
  const structured = params === undefined || (typeof params === 'object' && params !== null);
  const usableId = id === undefined || typeof id === 'string' || Number.isSafeInteger(id);
  return jsonrpc === '2.0' && typeof method === 'string' && usableId && structured;
}

/** The first schema issue, as one plain line: where, and what. */
function firstIssue(error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> }): string {
  const issue = error.issues[0];
  const where = issue?.path.filter((p) => p !== 'params').map(String).join('.') || 'params';
  return `${where}: ${(issue?.message ?? 'invalid').replace(/\s+/g, ' ').slice(0, 200)}`;
}
