import { McpServer } from '@modelcontextprotocol/server';
import type { JWK } from 'jose';
import { createTasksExtension } from '../../src/wire/v2026/extension.js';
import { countedConverter } from './counted-tool.js';
import { convertShape, TOOL_DESCRIPTION, TOOL_NAME } from './convert.js';
import { startFront2026 } from './front-2026.js';
import { openGuardParts } from './guard-parts.js';
import { DRAIN_MS, type RunningServer } from './server.js';

/**
 * guard ON on 2026-07-28: the README's "Embedding in a v2 server". createTasksExtension over the same policy
 * and file audit log as the 2025 guard, attached to a fresh McpServer per request; the HTTP front asks its
 * preflight (a step-up would be the RFC 9470 401) before handing the request to the v2 handler.
 */
export async function startGuarded2026Server(options: { publicJwk: JWK; seed: number; auditFile: string; storeFile?: string }): Promise<RunningServer> {
  const parts = await openGuardParts(options.auditFile, options.storeFile);
  const tasks = createTasksExtension({ decider: parts.decider, audit: parts.audit, store: parts.store });
  await tasks.guard.ready();
  const tool = countedConverter(options.seed);
  // The guard validated args against convertShape before calling.
  tasks.registerTool(TOOL_NAME, { description: TOOL_DESCRIPTION, inputSchema: convertShape }, (args, ctx) => tool.run(args as { doc: string; bytes: number }, ctx.signal));
  const front = await startFront2026(
    options.publicJwk,
    (ctx) => tasks.attach(new McpServer({ name: 'taskguard-bench-load-v2', version: '1.0.0' }), ctx),
    async (body, authInfo) => {
      const checked = await tasks.preflight(body, authInfo);
      return checked.stepUp ? { ok: false, status: 401 } : { ok: true, authInfo: checked.authInfo };
    },
  );
  return {
    url: front.url,
    detail: `taskguard createTasksExtension on SDK v2 (McpServer per request): ${parts.detail}`,
    counters: () => ({ ...tool.counters(), auditRecords: parts.audit.head.seq, auditFailures: parts.auditFailures() }),
    async close() {
      tasks.guard.close();
      await front.close();
      // Stopped tasks record their final status before the store under them closes.
      await tasks.guard.drained(DRAIN_MS);
      await parts.close();
    },
  };
}
