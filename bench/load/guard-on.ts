import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { JWK } from 'jose';
import { createHttpHost } from '../../src/http/host.js';
import { createTokenVerifier, validateIdentityConfig } from '../../src/identity/index.js';
import { createTaskguard } from '../../src/wire/v2025/taskguard.js';
import { countedConverter } from './counted-tool.js';
import { convertShape, TOOL_DESCRIPTION, TOOL_NAME } from './convert.js';
import { openGuardParts } from './guard-parts.js';
import { AUDIENCE, ISSUER } from './identity.js';
import { DRAIN_MS, type RunningServer } from './server.js';

/**
 * guard ON: the committed policy through loadDecider, a real file audit log (fsync 'interval'), the guard,
 * and createHttpHost with a real ES256 verifier. The tool is registered through the guard.
 */
export async function startGuardedServer(options: { publicJwk: JWK; seed: number; auditFile: string; storeFile?: string }): Promise<RunningServer> {
  const parts = await openGuardParts(options.auditFile, options.storeFile);
  const guard = createTaskguard({ decider: parts.decider, audit: parts.audit, store: parts.store });
  const tool = countedConverter(options.seed);
  // The guard validated args against convertShape before calling.
  guard.registerTool(TOOL_NAME, { description: TOOL_DESCRIPTION, inputSchema: convertShape }, (args, ctx) => tool.run(args as { doc: string; bytes: number }, ctx.signal));
  const verifier = createTokenVerifier(validateIdentityConfig({ issuer: ISSUER, audience: AUDIENCE, keys: [options.publicJwk], algorithms: ['ES256'] }));
  const host = createHttpHost({ verifier, guard, createMcpServer: () => new McpServer({ name: 'taskguard-bench-load', version: '1.0.0' }) });
  const url = await host.listen();
  return {
    url,
    detail: `taskguard: ${parts.detail}`,
    counters: () => ({ ...tool.counters(), auditRecords: parts.audit.head.seq, auditFailures: parts.auditFailures() }),
    async close() {
      guard.close();
      await host.close();
      // Stopped tasks record their final status before the store under them closes.
      await guard.drained(DRAIN_MS);
      await parts.close();
    },
  };
}
