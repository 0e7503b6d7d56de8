import type { Operation } from '../decision/types.js';
import type { Principal } from '../identity/principal.js';
import { NO_OUTCOME, type TaskRecord } from '../stores/types.js';
import type { GuardCore } from './core.js';
import { EXTENSION_WIRE } from './extension-request.js';
import { answer, type Predecision } from './predecision.js';
import { firstOperationOf } from './server-directed-call.js';
import { isWellFormedTaskId } from './task-ops.js';

/** A 2026-07-28 request as its wire routes it, reduced to what decides it. */
export type ExtensionRoutedRequest =
  /** `retry`: it carries a request state, so it continues an input round and is decided as `input` first. */
  | { method: 'tools/call'; tool: string; tasksDeclared: boolean; retry?: boolean }
  | { method: 'tasks/get' | 'tasks/update' | 'tasks/cancel'; taskId: unknown; tasksDeclared: boolean };

const TERMINAL = new Set(['completed', 'failed']);

/**
 * predecide for the 2026-07-28 operations: the decision each would take first where it could be step-up,
 * the same way the operation routes (so the 401 answers exactly what the operation would refuse). For
 * tasks/get that is the decision on what the task's status inlines: its result (`result`) or its question
 * (`input`). A request that did not declare the extension is left to the operation (-32021).
 */
export async function predecideExtension(core: GuardCore, principal: Principal, request: ExtensionRoutedRequest): Promise<Predecision> {
  const policy = core.policy;
  if (request.method === 'tools/call' && request.retry === true) {
    // Decided on the tool alone, as the round will be once its state opens: the challenge says nothing of it.
    const { tool } = request;
    if (!core.tools.has(tool) || !policy.asksStepUp('input', tool)) return {};
    const subject = { op: 'input' as const, wire: EXTENSION_WIRE, tool };
    const decided = core.decide({ ...subject, principal });
    // Read as the round's refusal is (see continueRounds): a round hides no task.
    return answer('call', decided, { tool }, { ...subject, principal, decided });
  }
  if (request.method === 'tools/call') {
    const { tool, tasksDeclared } = request;
    const op = firstOperationOf(policy.taskSupport(tool), tasksDeclared);
    if (!core.tools.has(tool) || !policy.asksStepUp(op, tool) || (op === 'create' && !tasksDeclared)) return {};
    const subject = { op, wire: EXTENSION_WIRE, tool, tasksDeclared, ...(op === 'create' ? { requestedTtlMs: null } : {}) };
    const decided = core.decide({ ...subject, principal });
    return answer(op, decided, { tool }, { ...subject, principal, decided });
  }
  if (!request.tasksDeclared || !isWellFormedTaskId(request.taskId)) return {};
  const record = await core.store.get(request.taskId, NO_OUTCOME);
  // A missing or foreign task is answered by the operation exactly as always (not found), never here.
  if (!record) return {};
  const op = operationOf(core, request.method, record);
  if (!policy.asksStepUp(op, record.tool)) return {};
  const decided = core.decide({ op, wire: EXTENSION_WIRE, principal, task: record });
  return answer(op, decided, { record }, { op, wire: EXTENSION_WIRE, record, principal, decided });
}

function operationOf(core: GuardCore, method: 'tasks/get' | 'tasks/update' | 'tasks/cancel', record: TaskRecord): Operation {
  if (method === 'tasks/update') return 'input';
  if (method === 'tasks/cancel') return 'cancel';
  if (TERMINAL.has(record.status) && !record.revoked) return 'result';
  return record.status === 'input_required' && core.workers.pendingInput(record.id) ? 'input' : 'get';
}
