import { McpServer, ProtocolError, type AuthInfo, type McpRequestContext, type Server } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { TaskguardError } from '../../errors.js';
import { createGuard, type Guard, type GuardOptions } from '../../guard/guard.js';
import type { GuardedToolConfig, ToolHandler } from '../../guard/tools.js';
import { JSON_RPC, rpcErrorOf, TASKS_EXTENSION } from '../rpc-errors.js';
import { callPeerOf } from './call-peer.js';
import { clientCapabilitiesOf, tasksDeclaredOf } from './params.js';
import { preflight, type Preflight } from './preflight.js';
import { EXTENSION_REVISION, ROUTES, serve } from './routes.js';
import { toolListOf } from './tool-list.js';

/** What the adapter can front: a guard, a 2025-11-25 Taskguard (its guard: one store, policy and audit log for both wires), or the options for a new guard. */
export type TasksExtensionSource = Guard | { readonly guard: Guard } | Omit<GuardOptions, 'errorOutcome'>;

/** taskguard as the tasks runtime of `@modelcontextprotocol/server` 2.x servers (2026-07-28, `io.modelcontextprotocol/tasks`). */
export interface TasksExtension {
  /** The wire-free guard: its store, policy, audit log and running tasks outlive every per-request server. */
  readonly guard: Guard;
  /** Registers a tool; whether a call becomes a task, for whom, comes from policy data. */
  registerTool(name: string, config: GuardedToolConfig, handler: ToolHandler): void;
  /**
   * Puts the guard in front of `server`'s tools/call and tasks/get|update|cancel, serves tools/list from the
   * guard's tools, and declares the extension in server/discover. For the factory createMcpHandler calls per
   * request: it only installs handlers (no tools are converted, no state is made), and returns `server`.
   * Every tool must be registered through the extension. tasks/result and tasks/list are -32601 (the SDK
   * answers them on this revision). Pass the factory's context to refuse a 2025-era instance at once; serve
   * 2025-11-25 with createTaskguard on the same guard, or create the handler with `legacy: 'reject'`.
   */
  attach<S extends McpServer | Server>(server: S, context?: Pick<McpRequestContext, 'era' | 'requestInfo'>): S;
  /**
   * For an HTTP host in front of the handler (RFC 9470): decides a raw JSON-RPC message as its handler
   * would, through the same audited path, and says whether the answer is step-up (send the 401, and never
   * the handler's payload); otherwise hands back the AuthInfo to pass to the handler, carrying the decision.
   */
  preflight(message: unknown, authInfo: AuthInfo): Promise<Preflight>;
}

/** Reads params as they come: the handlers check them, so a client mistake is -32602 with one plain line. */
const ANY_PARAMS = z.unknown();

export function createTasksExtension(source: TasksExtensionSource): TasksExtension {
  const guard = guardOf(source);
  const toolList = toolListOf(guard);
  return {
    guard,
    registerTool: (name, config, handler) => guard.registerTool(name, config, handler),
    preflight: (message, authInfo) => preflight(guard, message, authInfo),
    attach(server, context) {
      if (context?.era === 'legacy') throw new TaskguardError('usage', `createTasksExtension serves ${EXTENSION_REVISION}: serve 2025-11-25 with createTaskguard, or create the handler with legacy: 'reject'`);
      const low: Server = server instanceof McpServer ? server.server : (server as Server);
      low.registerCapabilities({ tools: {}, extensions: { [TASKS_EXTENSION]: {} } });
      low.setRequestHandler('tools/list', () => ({ tools: toolList() }) as never);
      // tools/call goes to the fallback handler: a registered one would pass through the SDK's tools/call
      // wrapper, which parses params with its zod schema (a client mistake becomes a schema dump) and reshapes
      // a CreateTaskResult as a CallToolResult. The era gate, the envelope check and the result encoding
      // (resultType, _meta) apply to it all the same.
      low.removeRequestHandler('tools/call');
      // Only for a request that is a tools/call (its Mcp-Method header, which the SDK checks against the body,
      // says so) or may be one (no header: stdio, a direct call): with no handler at all the SDK answers an
      // unknown method at once, with HTTP 404 (SEP-2575); any handler, even one that refuses, answers later, 200.
      const method = context?.requestInfo?.headers.get('mcp-method')?.trim();
      if (method === undefined || method === 'tools/call') installCallRoute(guard, low);
      // Registered with a params schema: that is how the SDK lets the extension's tasks/get and tasks/cancel
      // through on a revision that deleted them from core (tasks/update has no core meaning at all).
      for (const method of ['tasks/get', 'tasks/update', 'tasks/cancel'] as const) {
        const route = ROUTES[method] as (typeof ROUTES)[string];
        low.setRequestHandler(method, { params: ANY_PARAMS }, (params, ctx) => serve(guard, low, route, {
          params, tasksDeclared: tasksDeclaredOf(ctx.mcpReq.envelope), inputResponses: ctx.mcpReq.inputResponses,
        }, ctx) as never);
      }
      return server;
    },
  };
}

/** tools/call through the fallback handler (see attach), in front of whatever fallback the server had. */
function installCallRoute(guard: Guard, low: Server): void {
  const fallback = low.fallbackRequestHandler;
  const callRoute = ROUTES['tools/call'] as (typeof ROUTES)[string];
  low.fallbackRequestHandler = async (request, ctx) => {
    if (request.method !== 'tools/call') {
      if (fallback) return fallback(request, ctx);
      throw new ProtocolError(JSON_RPC.methodNotFound, 'Method not found');
    }
    const { envelope, inputResponses } = ctx.mcpReq;
    const call = {
      params: request.params, tasksDeclared: tasksDeclaredOf(envelope), inputResponses,
      requestState: ctx.mcpReq.requestState(), clientCapabilities: clientCapabilitiesOf(envelope), peer: callPeerOf(ctx),
    };
    return serve(guard, low, callRoute, call, ctx as never) as never;
  };
}

function guardOf(source: TasksExtensionSource): Guard {
  if ('pollTask' in source) return source;
  if ('guard' in source) return source.guard;
  return createGuard({ ...source, errorOutcome: (denial) => rpcErrorOf(denial) });
}
