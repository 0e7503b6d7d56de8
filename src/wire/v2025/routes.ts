import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { ElicitResultSchema, RELATED_TASK_META_KEY, type ServerNotification, type ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import type { Operation } from '../../decision/types.js';
import { unauthenticated } from '../../guard/denials.js';
import type { Guard } from '../../guard/guard.js';
import type { Deliver } from '../../guard/input.js';
import type { RoutedRequest } from '../../guard/predecide.js';
import type { Predecided } from '../../guard/predecided.js';
import type { InputAnswer } from '../../guard/tools.js';
import { principalFromAuthInfo, type Principal } from '../../identity/principal.js';
import type { AskedQuestions } from './answers.js';
import { toWireError } from '../wire-errors.js';
import { taskIdOf } from '../params-shape.js';
import { parseCallParams, parseListParams, parseTaskIdParams, type CallParams } from './params.js';
import { predecidedOf } from '../preflight-ticket.js';
import { toWireTask } from './task-wire.js';
import { callPeerOf } from './call-peer.js';

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** What the handlers of one attached server share. */
export interface WireContext {
  guard: Guard;
  server: McpServer;
  asked: AskedQuestions;
}

/** What a task route needs: the guard alone, no session (so the HTTP host may answer it itself, see direct.ts). */
export type TaskRouteContext = Pick<WireContext, 'guard'>;
/** What a task route reads of the SDK's request extra. */
export type TaskRouteExtra = Pick<Extra, 'authInfo' | 'signal'>;

/**
 * One 2025-11-25 request method: how its params are read, which operation it is, how the HTTP host's
 * preflight sees it (the same reading, so there is one routing), and what it answers.
 */
interface Route<P, C extends TaskRouteContext = WireContext, E extends TaskRouteExtra = Extra> {
  parse(params: unknown): P;
  /** The operation, before params are read (for a failure's audit record) ... */
  op: Operation;
  /** ... and after, where they change it. */
  opOf?(params: P): Operation;
  routed?(params: P): RoutedRequest;
  run(ctx: C, principal: Principal, params: P, extra: E, predecided: Predecided | undefined): Promise<unknown>;
}

const route = <P>(r: Route<P>): Route<unknown> => r as Route<unknown>;
type TaskRoute<P> = Route<P, TaskRouteContext, TaskRouteExtra>;
const taskRoute = <P>(r: TaskRoute<P>): TaskRoute<unknown> => r as TaskRoute<unknown>;

/**
 * tasks/get, tasks/list and tasks/cancel: answered at once from the guard and the store, with nothing sent to
 * the client on the request's stream and no session state read (their context type holds them to that).
 */
export const TASK_ROUTES: Readonly<Record<string, TaskRoute<unknown>>> = {
  'tasks/get': taskRoute<string>({
    parse: parseTaskIdParams,
    op: 'get',
    routed: (taskId) => ({ op: 'get', taskId }),
    async run({ guard }, principal, taskId, _extra, predecided) {
      const { record, pollIntervalMs } = await guard.getTask(principal, taskId, predecided);
      return toWireTask(record, pollIntervalMs);
    },
  }),
  'tasks/list': taskRoute<{ cursor: string | undefined }>({
    parse: parseListParams,
    op: 'list',
    async run({ guard }, principal, { cursor }) {
      const page = await guard.listTasks(principal, cursor);
      // Each task's own poll interval, as its creation reported it: a list decision names no tool.
      return { tasks: page.records.map((r) => toWireTask(r)), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}), _meta: {} };
    },
  }),
  'tasks/cancel': taskRoute<string>({
    parse: parseTaskIdParams,
    op: 'cancel',
    routed: (taskId) => ({ op: 'cancel', taskId }),
    async run({ guard }, principal, taskId, _extra, predecided) {
      return { _meta: {}, ...toWireTask(await guard.cancelTask(principal, taskId, predecided)) };
    },
  }),
};

/** What a task-augmented tools/call needs besides the guard: the session's server, for status notifications. */
export type CreateRouteContext = Pick<WireContext, 'guard' | 'server'>;

/**
 * tools/call with `task`: answered at once with the new task (its tool runs on), so like the task routes it
 * sends nothing on the request's stream; status notifications go out on the session's server.
 */
export const CREATE_ROUTE: Route<CallParams, CreateRouteContext, TaskRouteExtra> = {
  parse: parseCallParams,
  op: 'call',
  opOf: (p) => (p.task ? 'create' : 'call'),
  routed: (p) => (p.task ? { op: 'create', tool: p.name, ttlMs: p.task.ttlMs } : { op: 'call', tool: p.name }),
  async run({ guard, server }, principal, p, extra, predecided) {
    const outcome = await guard.callTool(principal, {
      name: p.name, arguments: p.arguments, task: p.task, meta: p.meta, signal: extra.signal, predecided,
      // Best effort (MCP: MAY); requestors poll regardless.
      onTaskChange: (record) => void server.server.notification({ method: 'notifications/tasks/status', params: toWireTask(record) }).catch(() => {}),
    });
    return outcome.kind === 'task' ? { task: toWireTask(outcome.record) } : outcome.result;
  },
};

/**
 * tasks/result for a client that declared no elicitation: it waits for the task as it is and sends nothing on
 * its stream but the answer (with elicitation, ROUTES delivers the task's questions there).
 */
export const RESULT_ROUTE: Route<string, TaskRouteContext, TaskRouteExtra> = {
  parse: parseTaskIdParams,
  op: 'result',
  routed: (taskId) => ({ op: 'result', taskId }),
  run: ({ guard }, principal, taskId, extra, predecided) => resultAnswer(guard, principal, taskId, extra.signal, undefined, predecided),
};

async function resultAnswer(
  guard: Guard, principal: Principal, taskId: string, signal: AbortSignal, deliver: Deliver | undefined, predecided: Predecided | undefined,
): Promise<unknown> {
  const { record, result } = await guard.taskResult(principal, taskId, { signal, deliver, predecided });
  const meta = (result['_meta'] as Record<string, unknown> | undefined) ?? {};
  return { ...result, _meta: { ...meta, [RELATED_TASK_META_KEY]: { taskId: record.id } } };
}

export const ROUTES: Readonly<Record<string, Route<unknown>>> = {
  ...TASK_ROUTES,
  'tools/call': route<CallParams>({
    ...CREATE_ROUTE,
    async run(ctx, principal, p, extra, predecided) {
      if (p.task) return CREATE_ROUTE.run(ctx, principal, p, extra, predecided);
      const outcome = await ctx.guard.callTool(principal, {
        name: p.name, arguments: p.arguments, meta: p.meta, signal: extra.signal, predecided, peer: callPeerOf(extra),
      });
      return outcome.kind === 'task' ? { task: toWireTask(outcome.record) } : outcome.result;
    },
  }),
  'tasks/result': route<string>({
    ...RESULT_ROUTE,
    async run({ guard, asked, server }, principal, taskId, extra, predecided) {
      // Questions go only to a client that declared elicitation (MCP: use only negotiated capabilities);
      // another's tasks/result waits for the task as it is.
      const deliver = server.server.getClientCapabilities()?.elicitation ? deliverOn(extra, asked) : undefined;
      return resultAnswer(guard, principal, taskId, extra.signal, deliver, predecided);
    },
  }),
};

/** The SDK request handler for one route: the verified principal, the params, the operation, one error mapping. */
export function handlerFor<C extends TaskRouteContext, E extends TaskRouteExtra>(ctx: C, r: Route<unknown, C, E>) {
  return async (request: { params?: unknown }, extra: E): Promise<unknown> => {
    const principal = principalFromAuthInfo(extra.authInfo);
    let op = r.op;
    try {
      if (!principal) throw unauthenticated();
      const params = r.parse(request.params);
      op = r.opOf?.(params) ?? op;
      return await r.run(ctx, principal, params, extra, predecidedOf(extra.authInfo));
    } catch (err) {
      throw toWireError(ctx.guard, err, { op, principal, taskId: taskIdOf(request.params) }, extra.signal);
    }
  };
}

/** Shows a task's question as elicitation/create on the requestor's tasks/result stream. */
function deliverOn(extra: Extra, asked: AskedQuestions): Deliver {
  return async (question, taskId, abort) => {
    try {
      const answer = await extra.sendRequest({
        method: 'elicitation/create',
        params: { ...question, mode: 'form', _meta: { [RELATED_TASK_META_KEY]: { taskId } } },
      } as never, ElicitResultSchema, { signal: abort });
      return answer as InputAnswer;
    } finally {
      asked.forgetTask(taskId);
    }
  };
}
