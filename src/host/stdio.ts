import { McpServer as McpServerV2 } from '@modelcontextprotocol/server';
import { serveStdio as serveStdioEntry } from '@modelcontextprotocol/server/stdio';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { HostRuntime } from './reference-host.js';
import { SERVER_NAME, VERSION } from './reference-host.js';

/** What a server connects to: a transport whose onmessage the server installs, and which the host wraps. */
interface MessageTransport {
  onmessage?: ((message: never, extra?: Record<string, unknown>) => void) | undefined;
}

/** Anything with the SDKs' connect(transport): a 1.x McpServer and a v2 McpServer both. */
interface Connectable {
  connect(transport: never): Promise<void>;
}

/**
 * MCP over stdio for one identity, both generations: the v2 SDK's stdio entry reads the client's opening
 * message and pins the connection to one era (an `initialize` or any claim-less message: 2025-11-25;
 * `server/discover` or a request with the `_meta` envelope: 2026-07-28). The 2025 instance is the 1.x
 * McpServer with the guard attached, exactly as on HTTP (its sessions carry 2025 tasks and elicitation);
 * the 2026 one is a v2 McpServer with the tasks extension on the same guard. The token (from --token or
 * TASKGUARD_TOKEN) is verified exactly as on HTTP, and every message carries that AuthInfo until the token
 * expires; after that the guard refuses everything as unauthenticated.
 */
export async function serveStdio(runtime: HostRuntime, token: string): Promise<{ close(): Promise<void> }> {
  const authInfo = await runtime.verifier.verifyAccessToken(token);
  const current = (): AuthInfo | undefined => (authInfo.expiresAt === undefined || authInfo.expiresAt * 1000 > Date.now() ? authInfo : undefined);
  return serveStdioEntry(({ era }) => {
    if (era === 'legacy') {
      const server = runtime.createMcpServer();
      runtime.guard.attach(server);
      // The entry only connects and closes a legacy instance, which the 1.x McpServer does on the same
      // transport contract (start, send, close, onmessage).
      return withIdentity(server, current) as unknown as McpServerV2;
    }
    return withIdentity(runtime.tasks.attach(new McpServerV2({ name: SERVER_NAME, version: VERSION })), current);
  });
}

/**
 * Stdio has no per-request identity, so the verified one is added to each message the server receives:
 * after connect has installed the server's onmessage, it is wrapped.
 */
function withIdentity<S extends Connectable>(server: S, current: () => AuthInfo | undefined): S {
  const connect = server.connect.bind(server) as (transport: MessageTransport) => Promise<void>;
  (server as unknown as { connect: (transport: MessageTransport) => Promise<void> }).connect = async (transport) => {
    await connect(transport);
    const deliver = transport.onmessage;
    transport.onmessage = (message, extra) => {
      const auth = current();
      deliver?.(message, { ...extra, ...(auth ? { authInfo: auth } : {}) });
    };
  };
  return server;
}
