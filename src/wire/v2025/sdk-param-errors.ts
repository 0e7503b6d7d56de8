import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { GuardRpcError, JSON_RPC } from '../rpc-errors.js';

type Handler = (request: unknown, extra: unknown) => Promise<unknown>;

/** The handlers of a Protocol, which the SDK keeps in a private map (pinned SDK; a test covers this). */
function handlersOf(server: Server): Map<string, Handler> | undefined {
  const handlers = (server as unknown as { _requestHandlers?: unknown })._requestHandlers;
  return handlers instanceof Map ? (handlers as Map<string, Handler>) : undefined;
}

/** A zod error, by shape (the SDK may bundle its own zod). */
function zodIssue(err: unknown): { path: readonly PropertyKey[]; message: string } | undefined {
  // zod 4 names it ZodError, or $ZodError when thrown from its core, as the SDK's schemas do.
  if (!(err instanceof Error) || !/^\$?ZodError$/.test(err.name)) return undefined;
  const issues = (err as { issues?: unknown }).issues;
  const first = Array.isArray(issues) ? (issues[0] as { path?: unknown; message?: unknown } | undefined) : undefined;
  return {
    path: Array.isArray(first?.path) ? (first.path as PropertyKey[]) : [],
    message: typeof first?.message === 'string' ? first.message : 'invalid',
  };
}

/** Marks handlers already wrapped, so wrapping twice (attach, then connect) does nothing. */
const wrapped = new WeakSet<Handler>();

/**
 * The SDK's own request handlers (initialize, ping, tools/list...) parse their request with zod and throw
 * the ZodError, which the SDK then answers as -32603 with the issue list as its message: a client mistake
 * reported as an internal error, with a schema dump. This turns exactly those into -32602 with one plain
 * line (JSON-RPC: invalid params). Handlers registered after this runs are covered when it runs again.
 */
export function plainParamErrors(server: Server): void {
  const handlers = handlersOf(server);
  if (!handlers) return;
  for (const [method, handler] of handlers) {
    if (wrapped.has(handler)) continue;
    const plain: Handler = async (request, extra) => {
      try {
        return await handler(request, extra);
      } catch (err) {
        const issue = zodIssue(err);
        if (!issue) throw err;
        const where = issue.path.filter((p) => p !== 'params').map(String).join('.') || 'params';
        throw new GuardRpcError({ code: JSON_RPC.invalidParams, message: `invalid params for ${method}: ${where}: ${issue.message.replace(/\s+/g, ' ').slice(0, 200)}` });
      }
    };
    wrapped.add(plain);
    handlers.set(method, plain);
  }
}
