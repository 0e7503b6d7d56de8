import type { ServerContext } from '@modelcontextprotocol/server';
import { TaskguardError } from '../../errors.js';
import type { CallPeer } from '../../guard/tools.js';

/**
 * The caller of a plain 2026-07-28 tools/call, on the call's own response stream: progress goes out as
 * notifications related to the request (if it sent a progress token). Requests to the caller do not: on
 * this stateless revision the stream carries no server-to-client request, and a tool asks in rounds
 * instead (ctx.rounds).
 */
export function callPeerOf(ctx: ServerContext): CallPeer {
  const meta = ctx.mcpReq._meta as Record<string, unknown> | undefined;
  const progressToken = meta?.['progressToken'];
  const token = typeof progressToken === 'string' || typeof progressToken === 'number' ? progressToken : undefined;
  return {
    async progress(progress, total, message) {
      if (token === undefined) return;
      await ctx.mcpReq.notify({
        method: 'notifications/progress',
        params: { progressToken: token, progress, ...(total !== undefined ? { total } : {}), ...(message !== undefined ? { message } : {}) },
      });
    },
    request(method) {
      return Promise.reject(new TaskguardError('usage', `a 2026-07-28 tool asks its caller in rounds (ctx.rounds), not by ${method}`));
    },
  };
}
