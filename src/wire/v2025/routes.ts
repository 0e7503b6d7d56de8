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

/**
 * One 2025-11-25 request method: how its params are read, which operation it is, how the HTTP host's
 * preflight sees it (the same reading, so there is one routing), and what it answers.
 */
interface Route<P> {
  parse(params: unknown): P;
  /** The operation, before params are read (for a failure's audit record) ... */
  op: Operation;
  /** ... and after, where they change it. */
  opOf?(params: P): Operation;
  routed?(params: P): RoutedRequest;
  run(ctx: WireContext, principal: Principal, params: P, extra: Extra, predecided: Predecided | undefined): Promise<unknown>;
}

const route = <P>(r: Route<P>): Route<unknown> => r as Route<unknown>;

export const ROUTES: Readonly<Record<string, Route<unknown>>> = {
  'tools/call': route<CallParams>({
    parse: parseCallParams,
    op: 'call',
    opOf: (p) => (p.task ? 'create' : 'call'),
    routed: (p) => (p.task ? { op: 'create', tool: p.name, ttlMs: p.task.ttlMs } : { op: 'call', tool: p.name }),
    async run({ guard, server }, principal, p, extra, predecided) {
      const outcome = await guard.callTool(principal, {
        name: p.name, arguments: p.arguments, task: p.task, meta: p.meta, signal: extra.signal, predecided,
        ...(p.task ? {} : { peer: callPeerOf(extra) }),
        // Best effort (MCP: MAY); requestors poll regardless.
        onTaskChange: (record) => void server.server.notification({ method: 'notifications/tasks/status', params: toWireTask(record) }).catch(() => {}),
      });
      return outcome.kind === 'task' ? { task: toWireTask(outcome.record) } : outcome.result;
    },
  }),
  'tasks/get': route<string>({
    parse: parseTaskIdParams,
    op: 'get',
    routed: (taskId) => ({ op: 'get', taskId }),
    async run({ guard }, principal, taskId, _extra, predecided) {
      const { record, pollIntervalMs } = await guard.getTask(principal, taskId, predecided);
      return toWireTask(record, pollIntervalMs);
    },
  }),
  'tasks/result': route<string>({
    parse: parseTaskIdParams,
    op: 'result',
    routed: (taskId) => ({ op: 'result', taskId }),
    async run({ guard, asked, server }, principal, taskId, extra, predecided) {
      // Questions go only to a client that declared elicitation (MCP: use only negotiated capabilities);
      // another's tasks/result waits for the task as it is.
      const deliver = server.server.getClientCapabilities()?.elicitation ? deliverOn(extra, asked) : undefined;
      const { record, result } = await guard.taskResult(principal, taskId, { signal: extra.signal, deliver, predecided });
      const meta = (result['_meta'] as Record<string, unknown> | undefined) ?? {};
      return { ...result, _meta: { ...meta, [RELATED_TASK_META_KEY]: { taskId: record.id } } };
    },
  }),
  'tasks/list': route<{ cursor: string | undefined }>({
    parse: parseListParams,
    op: 'list',
    async run({ guard }, principal, { cursor }) {
      const page = await guard.listTasks(principal, cursor);
      // Each task's own poll interval, as its creation reported it: a list decision names no tool.
      return { tasks: page.records.map((r) => toWireTask(r)), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}), _meta: {} };
    },
  }),
  'tasks/cancel': route<string>({
    parse: parseTaskIdParams,
    op: 'cancel',
    routed: (taskId) => ({ op: 'cancel', taskId }),
    async run({ guard }, principal, taskId, _extra, predecided) {
      return { _meta: {}, ...toWireTask(await guard.cancelTask(principal, taskId, predecided)) };
    },
  }),
};

/** The SDK request handler for one route: the verified principal, the params, the operation, one error mapping. */
export function handlerFor(ctx: WireContext, r: Route<unknown>) {
  return async (request: { params?: unknown }, extra: Extra): Promise<unknown> => {
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
