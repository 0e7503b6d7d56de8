import {
  isJSONRPCErrorResponse, isJSONRPCRequest, isJSONRPCResultResponse, RELATED_TASK_META_KEY, type JSONRPCMessage,
} from '@modelcontextprotocol/sdk/types.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { isRecord } from '../../decision/parse.js';
import type { Guard } from '../../guard/guard.js';
import { principalFromAuthInfo } from '../../identity/principal.js';

type RequestId = string | number;

/** One server's elicitation requests in flight: their JSON-RPC id -> the task whose question each carries. */
export class AskedQuestions {
  readonly #byId = new Map<RequestId, string>();

  note(id: RequestId, taskId: string): void {
    this.#byId.set(id, taskId);
  }

  /** The task an answer with this id belongs to, forgetting the question. */
  take(id: RequestId): string | undefined {
    const taskId = this.#byId.get(id);
    this.#byId.delete(id);
    return taskId;
  }

  /** A delivery ended (answered, refused, abandoned): its question is no longer awaited. */
  forgetTask(taskId: string): void {
    for (const [id, task] of this.#byId) if (task === taskId) this.#byId.delete(id);
  }
}

/**
 * On 2025-11-25 a task's question goes out as elicitation/create and its answer comes back as a JSON-RPC
 * response, which the SDK routes without any handler of ours. So each transport's responses to our
 * elicitation requests are screened here: the answer is decided as `input` with the principal of the request
 * that carries it, at the moment it arrives (Guard.admitAnswer). Only an allowed answer reaches the SDK (and
 * so the waiting task); a refused one is dropped, and the tasks/result that delivered the question fails
 * with the refusal (step-up, say), so the client can step up and ask again.
 *
 * Installed right after Protocol.connect set its own onmessage; a transport that adds identity to messages
 * (stdio) wraps this one in turn.
 */
export function screenAnswers(guard: Guard, transport: Transport, asked: AskedQuestions): void {
  const send = transport.send.bind(transport);
  transport.send = (message, options) => {
    const taskId = relatedTaskOf(message);
    if (taskId !== undefined && isJSONRPCRequest(message)) asked.note(message.id, taskId);
    return send(message, options);
  };
  const deliver = transport.onmessage;
  transport.onmessage = (message, extra) => {
    // Nearly every message is a request or a notification (it has a method): those pass without the SDK's zod
    // guards. A response still gets exactly the SDK's test, so only what the SDK would take as the answer
    // consumes the question's id (a malformed look-alike must not use it up and let the real one through).
    const id = !('method' in message) && (isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message)) ? message.id : undefined;
    const taskId = id === undefined ? undefined : asked.take(id);
    if (taskId === undefined) return deliver?.(message, extra);
    void guard.admitAnswer(taskId, principalFromAuthInfo(extra?.authInfo)).then((admitted) => {
      if (admitted) deliver?.(message, extra);
    });
  };
}

function relatedTaskOf(message: JSONRPCMessage): string | undefined {
  // Checked by method first: most of what a server sends is responses, which need no schema test.
  if (!('method' in message) || message.method !== 'elicitation/create' || !isJSONRPCRequest(message)) return undefined;
  const meta = isRecord(message.params) ? message.params['_meta'] : undefined;
  const related = isRecord(meta) ? meta[RELATED_TASK_META_KEY] : undefined;
  const taskId = isRecord(related) ? related['taskId'] : undefined;
  return typeof taskId === 'string' ? taskId : undefined;
}
