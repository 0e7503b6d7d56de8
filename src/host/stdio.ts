import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { HostRuntime } from './reference-host.js';

/**
 * MCP over stdio for one identity: the token (from --token or TASKGUARD_TOKEN) is verified exactly as on
 * HTTP, and every message carries that AuthInfo until the token expires; after that the guard refuses
 * everything as unauthenticated.
 */
export async function serveStdio(runtime: HostRuntime, token: string): Promise<StdioServerTransport> {
  const authInfo = await runtime.verifier.verifyAccessToken(token);
  const current = (): AuthInfo | undefined => (authInfo.expiresAt === undefined || authInfo.expiresAt * 1000 > Date.now() ? authInfo : undefined);
  const server = runtime.createMcpServer();
  runtime.guard.attach(server);
  const transport = new StdioServerTransport();
  await server.connect(transport);
  // Protocol.connect installed onmessage; stdio has no per-request identity, so add the verified one.
  // StdioServerTransport's own typing omits the extra argument that the Transport interface defines.
  const generic = transport as unknown as Transport;
  const deliver = generic.onmessage;
  generic.onmessage = (message, extra) => {
    const auth = current();
    deliver?.(message, { ...extra, ...(auth ? { authInfo: auth } : {}) });
  };
  return transport;
}
