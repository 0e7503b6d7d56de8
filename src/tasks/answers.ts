import {
  isJSONRPCErrorResponse, isJSONRPCRequest, isJSONRPCResultResponse, RELATED_TASK_META_KEY, type JSONRPCMessage,
} from '@modelcontextprotocol/sdk/types.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { isRecord } from '../decision/parse.js';
import { principalFromAuthInfo } from '../identity/principal.js';
import { NO_OUTCOME } from '../stores/types.js';
import type { GuardCore } from './core.js';
import { denial } from './denial.js';
import { unauthenticated } from './rpc-errors.js';
import type { Delivery } from './workers.js';

type RequestId = string | number;

/**
 * Decides each answer to a task's elicitation as `input`, with the principal of the request that carries
 * the answer, at the moment it arrives: the question was shown only after an `input` decision for whoever
 * asked for it, but the answer may come later, from another token (one without fresh MFA, say). Only an
 * allowed answer reaches the SDK (and so the waiting tool); a refused one is dropped, the task stays
 * `input_required`, and the tasks/result that delivered the question fails with the refusal (step-up, for
 * instance), so the client can step up and ask again.
 *
 * Installed on each transport right after Protocol.connect set its own onmessage; a transport that adds
 * identity to messages (stdio) wraps this one in turn.
 */
export function screenAnswers(core: GuardCore, transport: Transport): void {
  /** Our elicitation requests in flight on this transport: their JSON-RPC id -> the task that asked. */
  const asked = new Map<RequestId, string>();
  const send = transport.send.bind(transport);
  transport.send = (message, options) => {
    const taskId = relatedTaskOf(message);
    const pending = taskId === undefined ? undefined : core.workers.pendingInput(taskId);
    if (taskId !== undefined && pending?.delivery && isJSONRPCRequest(message)) {
      const id = message.id;
      asked.set(id, taskId);
      pending.delivery.release = () => asked.delete(id);
    }
    return send(message, options);
  };
  const deliver = transport.onmessage;
  transport.onmessage = (message, extra) => {
    const id = isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message) ? message.id : undefined;
    const taskId = id === undefined ? undefined : asked.get(id);
    if (id === undefined || taskId === undefined) return deliver?.(message, extra);
    asked.delete(id);
    void admit(core, taskId, extra?.authInfo).then((admitted) => {
      if (admitted) deliver?.(message, extra);
    });
  };
}

/** Whether the answer to task `taskId`'s question may be delivered; a refusal fails the delivery instead. */
async function admit(core: GuardCore, taskId: string, authInfo: Parameters<typeof principalFromAuthInfo>[0]): Promise<boolean> {
  const delivery = core.workers.pendingInput(taskId)?.delivery;
  // The delivery already ended (the requestor went away): the SDK has no one waiting for this answer either.
  if (!delivery) return false;
  try {
    const principal = principalFromAuthInfo(authInfo);
    if (!principal || principal.expiresAtMs <= core.now()) return refuse(delivery, unauthenticated());
    const record = await core.store.get(taskId, NO_OUTCOME);
    const { decision } = core.decide({ op: 'input', principal, ...(record ? { task: record } : {}) });
    if (decision.allow && record) return true;
    return refuse(delivery, denial('input', record, decision));
  } catch (err) {
    return refuse(delivery, err instanceof Error ? err : new Error(String(err)));
  }
}

function refuse(delivery: Delivery, error: Error): false {
  delivery.refused = error;
  delivery.abort.abort(error);
  return false;
}

function relatedTaskOf(message: JSONRPCMessage): string | undefined {
  if (!isJSONRPCRequest(message) || message.method !== 'elicitation/create') return undefined;
  const meta = isRecord(message.params) ? message.params['_meta'] : undefined;
  const related = isRecord(meta) ? meta[RELATED_TASK_META_KEY] : undefined;
  const taskId = isRecord(related) ? related['taskId'] : undefined;
  return typeof taskId === 'string' ? taskId : undefined;
}
