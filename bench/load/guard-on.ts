import path from 'node:path';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { JWK } from 'jose';
import { openAuditLog } from '../../src/audit/index.js';
import { readBundle } from '../../src/decision/bundle.js';
import { loadDecider } from '../../src/decision/engine.js';
import { createHttpHost } from '../../src/http/host.js';
import { createTokenVerifier, validateIdentityConfig } from '../../src/identity/index.js';
import { createTaskguard } from '../../src/wire/v2025/taskguard.js';
import { convertShape, createConverter, TOOL_DESCRIPTION, TOOL_NAME } from './convert.js';
import { AUDIENCE, ISSUER } from './identity.js';
import type { RunningServer } from './server.js';

/**
 * The committed per-principal rate limit (600 operations/min) is meant for people, not for this load shape:
 * four clients per user polling every 50-100 ms make ~3,000 operations/min per user. The limit is raised so
 * the run measures serving, not refusing; the limiter still runs on every operation, at the same cost.
 */
export const BENCH_OPERATIONS_PER_MINUTE = 10_000_000;

/**
 * guard ON: the committed policy through loadDecider, a real file audit log (fsync 'interval'), the guard,
 * and createHttpHost with a real ES256 verifier. The tool is registered through the guard.
 */
export async function startGuardedServer(options: { publicJwk: JWK; seed: number; auditFile: string }): Promise<RunningServer> {
  const committed = readBundle().data as Record<string, unknown>;
  const limits = (committed['limits'] ?? {}) as Record<string, unknown>;
  const decider = loadDecider(undefined, { data: { ...committed, limits: { ...limits, operations_per_minute: BENCH_OPERATIONS_PER_MINUTE } } });
  let auditFailures = 0;
  const audit = await openAuditLog({
    file: options.auditFile, fsync: 'interval',
    policyRevision: decider.revision, dataRevision: decider.dataRevision,
    onError: () => void (auditFailures += 1),
  });
  const guard = createTaskguard({ decider, audit });
  const convert = createConverter(options.seed);
  let toolRuns = 0;
  let toolFailures = 0;
  guard.registerTool(TOOL_NAME, { description: TOOL_DESCRIPTION, inputSchema: convertShape }, async (args, ctx) => {
    toolRuns += 1;
    try {
      // The guard validated args against convertShape before calling.
      return await convert(args as { doc: string; bytes: number }, ctx.signal);
    } catch (err) {
      toolFailures += 1;
      throw err;
    }
  });
  const verifier = createTokenVerifier(validateIdentityConfig({ issuer: ISSUER, audience: AUDIENCE, keys: [options.publicJwk], algorithms: ['ES256'] }));
  const host = createHttpHost({ verifier, guard, createMcpServer: () => new McpServer({ name: 'taskguard-bench-load', version: '1.0.0' }) });
  const url = await host.listen();
  return {
    url,
    detail: `taskguard: policy ${decider.revision.slice(0, 12)}, data ${decider.dataRevision.slice(0, 12)} (operations_per_minute raised to ${BENCH_OPERATIONS_PER_MINUTE}), audit ${path.basename(options.auditFile)} fsync interval`,
    counters: () => ({ toolRuns, toolFailures, auditRecords: audit.head.seq, auditFailures }),
    async close() {
      guard.close();
      await host.close();
      await audit.close();
    },
  };
}
