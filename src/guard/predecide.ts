import type { Operation } from '../decision/types.js';
import type { Principal } from '../identity/principal.js';
import { NO_OUTCOME } from '../stores/types.js';
import type { GuardCore } from './core.js';
import { predecideExtension, type ExtensionRoutedRequest } from './predecide-extension.js';
import { answer, type Predecision } from './predecision.js';
import { isWellFormedTaskId } from './task-ops.js';

/** A request as a wire routes it, reduced to what decides it (the same routing its handlers use). */
export type RoutedRequest =
  | { op: 'create'; tool: string; ttlMs: number | undefined }
  | { op: 'call'; tool: string }
  | { op: 'get' | 'result' | 'cancel'; taskId: string }
  | ExtensionRoutedRequest;

/**
 * Decides a routed request before its transport hands it to the wire, so the transport can answer step-up
 * at its own layer (RFC 9470: an HTTP 401 with the challenge). The decision is the audited one and it is
 * handed on with the request, so the request is still decided once.
 *
 * Policy data says where step-up is asked for (tools[t].step_up[op]); a request whose operation and tool
 * have no such entry is not decided here at all: no store read, no decision. Most traffic (get, list,
 * cancel, most tools) is that. A custom policy demanding step-up elsewhere still gets it from the
 * operation, as the wire's step-up error, just not as a 401.
 */
export async function predecide(core: GuardCore, principal: Principal, request: RoutedRequest): Promise<Predecision> {
  if ('method' in request) return predecideExtension(core, principal, request);
  const policy = core.policy;
  if (request.op === 'create' || request.op === 'call') {
    const { op, tool } = request;
    if (!core.tools.has(tool) || !policy.asksStepUp(op, tool)) return {};
    const ttl = op === 'create' ? { requestedTtlMs: request.ttlMs ?? null } : {};
    const decided = core.decide({ op, principal, tool, ...ttl });
    return answer(op, decided, { tool }, { principal, op, tool, ...ttl, decided });
  }
  // tasks/result on a task awaiting input first delivers the question, which is decided as `input`.
  const ops: Operation[] = request.op === 'result' ? ['result', 'input'] : [request.op];
  if (!ops.some((op) => policy.anyStepUp(op)) || !isWellFormedTaskId(request.taskId)) return {};
  const record = await core.store.get(request.taskId, NO_OUTCOME);
  const pending = record?.status === 'input_required' ? core.workers.pendingInput(record.id) : undefined;
  const op: Operation = request.op === 'result' && pending && !pending.delivering ? 'input' : request.op;
  // A missing or foreign task is answered by the operation exactly as always (not found), never here.
  if (!record || !policy.asksStepUp(op, record.tool)) return {};
  const decided = core.decide({ op, principal, task: record });
  // An `input` decision is handed on to the delivery of the question that tasks/result makes first.
  return answer(op, decided, { record }, { principal, op, record, decided });
}
