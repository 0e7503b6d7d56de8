import type { CallToolResult, Server, ServerContext } from '@modelcontextprotocol/server';
import type { Operation } from '../../decision/types.js';
import { unauthenticated } from '../../guard/denials.js';
import type { Guard } from '../../guard/guard.js';
import type { ExtensionRoutedRequest } from '../../guard/predecide-extension.js';
import type { Predecided } from '../../guard/predecided.js';
import type { CallPeer, ToolResult } from '../../guard/tools.js';
import { TaskguardError } from '../../errors.js';
import { principalFromAuthInfo, type Principal } from '../../identity/principal.js';
import { taskIdOf } from '../params-shape.js';
import { predecidedOf } from '../preflight-ticket.js';
import { toWireError } from '../wire-errors.js';
import { parseCallParams, taskIdParam } from './params.js';
import { createTaskResultOf, detailedTaskOf } from './task-wire.js';

/** The one protocol revision whose tasks extension this adapter speaks. */
export const EXTENSION_REVISION = '2026-07-28';

/** One request as the routes read it: its params (the SDK lifted the envelope out) and its capability. */
export interface ExtensionCall {
  params: unknown;
  tasksDeclared: boolean;
  /**
   * tasks/update, and a tools/call retrying an input round: the answers, keyed by inputRequests key (the
   * SDK lifts them out of the params), as sent.
   */
  inputResponses?: unknown;
  /** tools/call: the request state an input round handed out, echoed (lifted out of the params too). */
  requestState?: unknown;
  /** tools/call: the request's declared client capabilities (input requests need theirs declared). */
  clientCapabilities?: Readonly<Record<string, unknown>> | undefined;
  /** tools/call: the caller, on the call's own stream (progress), for a call that runs inline. */
  peer?: CallPeer | undefined;
}

/**
 * One 2026-07-28 method: which operation it is (for a failure's audit record), how the HTTP host's
 * preflight sees it (the same reading as its handler, so there is one routing), and what it answers.
 */
interface Route {
  op: Operation;
  routed(call: ExtensionCall): ExtensionRoutedRequest;
  run(guard: Guard, server: Server, principal: Principal, call: ExtensionCall, signal: AbortSignal, predecided: Predecided | undefined): Promise<Record<string, unknown>>;
}

export const ROUTES: Readonly<Record<string, Route>> = {
  'tools/call': {
    op: 'call',
    routed: (call) => ({ method: 'tools/call', tool: parseCallParams(call.params).name, tasksDeclared: call.tasksDeclared, retry: call.requestState !== undefined }),
    async run(guard, server, principal, call, signal, predecided) {
      const p = parseCallParams(call.params);
      const outcome = await guard.callToolServerDirected(principal, {
        name: p.name, arguments: p.arguments, meta: p.meta, tasksDeclared: call.tasksDeclared, signal, predecided, peer: call.peer,
        rounds: { inputResponses: call.inputResponses, requestState: call.requestState, clientCapabilities: call.clientCapabilities },
      });
      switch (outcome.kind) {
        case 'task': return createTaskResultOf(outcome.record);
        case 'input_required': return { resultType: 'input_required', inputRequests: outcome.inputRequests, requestState: outcome.requestState };
        case 'result': return projected(server, outcome.result);
      }
    },
  },
  'tasks/get': {
    op: 'get',
    routed: (call) => ({ method: 'tasks/get', taskId: taskIdParam(call.params), tasksDeclared: call.tasksDeclared }),
    async run(guard, server, principal, call, _signal, predecided) {
      const polled = await guard.pollTask(principal, taskIdParam(call.params), { tasksDeclared: call.tasksDeclared, predecided });
      return detailedTaskOf(polled, (result) => projected(server, result));
    },
  },
  'tasks/update': {
    op: 'input',
    routed: (call) => ({ method: 'tasks/update', taskId: taskIdParam(call.params), tasksDeclared: call.tasksDeclared }),
    async run(guard, _server, principal, call, _signal, predecided) {
      await guard.updateTask(principal, taskIdParam(call.params), responsesOf(call.inputResponses), { tasksDeclared: call.tasksDeclared, predecided });
      return {};
    },
  },
  'tasks/cancel': {
    op: 'cancel',
    routed: (call) => ({ method: 'tasks/cancel', taskId: taskIdParam(call.params), tasksDeclared: call.tasksDeclared }),
    async run(guard, _server, principal, call, _signal, predecided) {
      await guard.requestCancel(principal, taskIdParam(call.params), { tasksDeclared: call.tasksDeclared, predecided });
      return {};
    },
  },
};

/** tasks/update's answers: what the SDK lifted (an object), or none. */
function responsesOf(value: unknown): Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** A tool's result as the SDK's own tools/call would send it on this revision (SEP-2106 projection). */
function projected(server: Server, result: ToolResult): Record<string, unknown> {
  return server.projectCallToolResult(result as CallToolResult, undefined) as Record<string, unknown>;
}

/**
 * Serves one route on `server`: the verified principal, the call, one error mapping. A server bound to any
 * other revision (a factory attaching this adapter to a 2025-era instance) fails closed as a local failure:
 * the operator hears why, the client gets -32603, nothing is decided.
 */
export async function serve(guard: Guard, server: Server, route: Route, call: ExtensionCall, ctx: ServerContext): Promise<Record<string, unknown>> {
  const authInfo = ctx.http?.authInfo;
  const principal = principalFromAuthInfo(authInfo);
  try {
    if (!principal) throw unauthenticated();
    const revision = server.getNegotiatedProtocolVersion();
    if (revision !== EXTENSION_REVISION) {
      // A stateless 2025-era instance never negotiated a version at all.
      throw new TaskguardError('usage', `the ${EXTENSION_REVISION} tasks adapter was asked to serve a request of protocol version ${revision ?? '2025-11-25 or earlier'}: serve 2025-11-25 with createTaskguard`);
    }
    return await route.run(guard, server, principal, call, ctx.mcpReq.signal, predecidedOf(authInfo));
  } catch (err) {
    throw toWireError(guard, err, { op: route.op, principal, taskId: taskIdOf(call.params) }, ctx.mcpReq.signal);
  }
}
