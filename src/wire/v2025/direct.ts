import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { isRecord } from '../../decision/parse.js';
import type { Guard } from '../../guard/guard.js';
import { isPlainMessage } from '../../http/plain-message.js';
import { isWellFormedTaskId } from '../../guard/task-ops.js';
import { ownerKey, ownerOf, principalFromAuthInfo } from '../../identity/principal.js';
import { NO_OUTCOME, TERMINAL_STATUSES } from '../../stores/types.js';
import { CREATE_ROUTE, handlerFor, RESULT_ROUTE, TASK_ROUTES, type TaskRouteExtra } from './routes.js';

/** A JSON-RPC answer, keyed as the SDK's Protocol writes it. */
export type DirectAnswer =
  | { result: unknown; jsonrpc: '2.0'; id: string | number }
  | { jsonrpc: '2.0'; id: string | number; error: { code: number; message: string; data?: unknown } };

/** The session a request arrived on, as the direct answers need it. */
export interface DirectSession {
  /** The session's server: where a new task's status notifications go, and what the client declared. */
  readonly server: McpServer;
  /**
   * Asked for only by an answer that may wait (tasks/result): the host opens the answer's stream now and hands
   * back a signal aborted when the request's HTTP exchange closes.
   */
  waiting(): AbortSignal;
}

/** What a direct answer resolves to when, having looked, it leaves the request to the session's transport. */
export const TO_TRANSPORT: unique symbol = Symbol('to the session transport');

/**
 * Answers one message of a session, or says that it is not one this path takes, and it goes to the session's
 * transport: at once (undefined), or after a look at the store (the promise resolves to TO_TRANSPORT). The
 * promise resolves to undefined when the request was cancelled: then, as the SDK does, nothing is sent.
 */
export type DirectAnswerer = (message: unknown, authInfo: AuthInfo, session: DirectSession) => Promise<DirectAnswer | undefined | typeof TO_TRANSPORT> | undefined;

type Handler = (request: { params?: unknown }, extra: TaskRouteExtra) => Promise<unknown>;

// An answer that never waits on the client has nothing to abort.
const NOT_ABORTED = new AbortController().signal;
const CANCELLED = new Error('the client cancelled the request');

/**
 * tasks/get, tasks/list, tasks/cancel, tools/call with `task` and, for a client that declared no
 * elicitation, tasks/result, answered by the HTTP host itself instead of through the SDK's transport and
 * Protocol. None of them sends the client anything on the request's stream but the answer (a new task's tool
 * runs on after it; a result without elicitation only waits), so the SDK's per-request machinery (a
 * ReadableStream and an AbortController, a zod parse of the request, the web Request/Response adapter) buys
 * them nothing, and they are nearly all of a task's traffic. The handler is the one the SDK would call (same
 * params reading, decision, audit and error mapping), the answer the message Protocol would send.
 * tasks/result for a client with elicitation stays with the SDK, which delivers the task's questions on its
 * stream, unless the task is the caller's own and finished (no question is left to ask); plain calls stay
 * with the SDK too, as they may talk to the client while they run.
 *
 * Only a plain request (isPlainMessage: no `_meta`, so no progress token and no related task for the SDK to
 * act on) with an id is taken; the host checks the session, the transport's headers and the preflight before
 * it asks. A waiting tasks/result stops, and answers nothing, when the client cancels it
 * (notifications/cancelled, which is observed here and still reaches the SDK) or its connection closes.
 */
export function directAnswerer(guard: Guard): DirectAnswerer {
  const taskHandlers = new Map<string, Handler>(Object.entries(TASK_ROUTES).map(([method, route]) => [method, handlerFor({ guard }, route)]));
  const result = handlerFor({ guard }, RESULT_ROUTE);
  // One per session server, made on its first task-augmented call.
  const creators = new WeakMap<McpServer, Handler>();
  // Per session server: the results waiting now, by request id, for notifications/cancelled.
  const waiting = new WeakMap<McpServer, Map<string | number, AbortController>>();

  const creatorFor = (server: McpServer): Handler => {
    let creator = creators.get(server);
    if (!creator) creators.set(server, (creator = handlerFor({ guard, server }, CREATE_ROUTE)));
    return creator;
  };

  const awaitResult = async (session: DirectSession, id: string | number, params: unknown, authInfo: AuthInfo): Promise<DirectAnswer | undefined> => {
    const controller = new AbortController();
    const closed = session.waiting();
    // The host's reason, passed on: abort() without one builds a DOMException every time.
    const onClose = (): void => controller.abort(closed.reason);
    if (closed.aborted) onClose();
    else closed.addEventListener('abort', onClose, { once: true });
    let inFlight = waiting.get(session.server);
    if (!inFlight) waiting.set(session.server, (inFlight = new Map()));
    inFlight.set(id, controller);
    try {
      const answer = await answerWith(result, id, params, { authInfo, signal: controller.signal });
      return controller.signal.aborted ? undefined : answer;
    } finally {
      closed.removeEventListener('abort', onClose);
      if (inFlight.get(id) === controller) inFlight.delete(id);
    }
  };

  /**
   * A finished task of the caller's own (by the binding: tenant, sub, client app) is answered here, as it can
   * ask nothing more; anything else goes to the transport, which can carry questions. Someone else's task
   * and a missing one both go there, so how the answer is served says nothing about a task of another's.
   */
  const finishedResult = async (id: string | number, taskId: string, params: unknown, authInfo: AuthInfo): Promise<DirectAnswer | typeof TO_TRANSPORT> => {
    const caller = principalFromAuthInfo(authInfo);
    const record = caller && isWellFormedTaskId(taskId) ? await guard.store.get(taskId, NO_OUTCOME) : undefined;
    if (!caller || !record || !TERMINAL_STATUSES.has(record.status) || ownerKey(record.owner) !== ownerKey(ownerOf(caller))) return TO_TRANSPORT;
    return answerWith(result, id, params, { authInfo, signal: NOT_ABORTED });
  };

  return (message, authInfo, session) => {
    if (!isPlainMessage(message)) return undefined;
    const { method, id, params } = message as { method: string; id?: unknown; params?: unknown };
    if (id === undefined) {
      // Protocol's _oncancel, for the requests it never saw.
      if (method === 'notifications/cancelled' && isRecord(params)) waiting.get(session.server)?.get(params['requestId'] as string | number)?.abort(CANCELLED);
      return undefined;
    }
    if (typeof id !== 'string' && typeof id !== 'number') return undefined;
    if (method === 'tools/call') {
      // Only a call asking for a task: a plain call runs its tool within the request and may talk to the client.
      return isRecord(params) && params['task'] !== undefined ? answerWith(creatorFor(session.server), id, params, { authInfo, signal: NOT_ABORTED }) : undefined;
    }
    if (method === 'tasks/result') {
      if (!session.server.server.getClientCapabilities()?.elicitation) return awaitResult(session, id, params, authInfo);
      const taskId = isRecord(params) ? params['taskId'] : undefined;
      return typeof taskId === 'string' ? finishedResult(id, taskId, params, authInfo) : undefined;
    }
    const handler = taskHandlers.get(method);
    return handler ? answerWith(handler, id, params, { authInfo, signal: NOT_ABORTED }) : undefined;
  };
}

function answerWith(handler: Handler, id: string | number, params: unknown, extra: TaskRouteExtra): Promise<DirectAnswer> {
  return handler({ params }, extra).then(
    (result): DirectAnswer => ({ result, jsonrpc: '2.0', id }),
    // Protocol's own mapping of a handler's error (shared/protocol.js, _onrequest).
    (error: { code?: unknown; message?: string; data?: unknown }): DirectAnswer => ({
      jsonrpc: '2.0',
      id,
      error: {
        code: Number.isSafeInteger(error.code) ? (error.code as number) : ErrorCode.InternalError,
        message: error.message ?? 'Internal error',
        ...(error.data !== undefined ? { data: error.data } : {}),
      },
    }),
  );
}
