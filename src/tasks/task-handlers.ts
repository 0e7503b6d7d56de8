import { ElicitResultSchema, RELATED_TASK_META_KEY, type ServerNotification, type ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { Decision, Operation } from '../decision/types.js';
import type { Principal } from '../identity/principal.js';
import { NO_OUTCOME, type TaskRecord } from '../stores/types.js';
import { expireInBackground, requirePrincipal } from './call-handler.js';
import type { GuardCore } from './core.js';
import { ownerOf } from './inputs.js';
import { accessDenied, alreadyTerminal, GuardRpcError, invalidTaskId, taskNotFound, unauthenticated } from './rpc-errors.js';
import { denial } from './denial.js';
import { isWellFormedTaskId, toWireTask } from './wire.js';
import { parseListParams, parseTaskIdParams } from './params.js';
import type { Delivery, PendingInput } from './workers.js';

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);
const PAGE_SIZE = 50;

interface Authorized {
  principal: Principal;
  record: TaskRecord;
  decision: Decision;
  decisionId: string;
}

/** Loads the task and decides `op` on it; every way of not being allowed to see it is the same answer. */
async function authorize(core: GuardCore, op: Operation, params: unknown, extra: Extra): Promise<Authorized> {
  const principal = requirePrincipal(extra);
  core.throttle(principal, op);
  const taskId = parseTaskIdParams(params);
  if (!isWellFormedTaskId(taskId)) throw invalidTaskId();
  const record = await core.store.get(taskId, NO_OUTCOME);
  const { decision, decisionId } = core.decide({ op, principal, ...(record ? { task: record } : {}) });
  if (record && record.expiresMs <= core.now()) expireInBackground(core, record.id);
  if (!decision.allow) throw denial(op, record, decision);
  if (!record) throw taskNotFound(); // an allow without a task would be a policy bug: fail closed
  return { principal, record, decision, decisionId };
}

export function createGetHandler(core: GuardCore) {
  return async (request: { params?: unknown }, extra: Extra) => {
    const { record, decision } = await authorize(core, 'get', request.params, extra);
    return toWireTask(record, decision.poll_interval_ms);
  };
}

export function createCancelHandler(core: GuardCore) {
  return async (request: { params?: unknown }, extra: Extra) => {
    const { principal, record, decisionId } = await authorize(core, 'cancel', request.params, extra);
    const cancelled = await core.store.transition(record.id, ['working', 'input_required'], {
      status: 'cancelled',
      statusMessage: 'The task was cancelled by request.',
      outcome: { kind: 'error', code: -32800, message: 'task was cancelled' },
    }, core.now());
    // Lost a race: to completion (the task stays as it finished) or to expiry (the task is gone).
    if (!cancelled) throw (await core.store.get(record.id, NO_OUTCOME)) ? alreadyTerminal() : taskNotFound();
    core.workers.abort(record.id, 'task cancelled');
    core.workers.changed(record.id);
    core.lifecycle('cancelled', cancelled, { principal, op: 'cancel', decisionId });
    return { _meta: {}, ...toWireTask(cancelled) };
  };
}

/** tasks/result blocks until the task is terminal, then returns exactly what the underlying call returned. */
export function createResultHandler(core: GuardCore) {
  return async (request: { params?: unknown }, extra: Extra) => {
    let { principal, record, decision, decisionId } = await authorize(core, 'result', request.params, extra);
    let waited = false;
    while (!TERMINAL.has(record.status)) {
      waited = true;
      const pending = record.status === 'input_required' ? core.workers.pendingInput(record.id) : undefined;
      if (pending && !pending.delivering) {
        await deliverInput(core, principal, record, pending, extra);
      } else {
        await core.workers.nextChange(record.id, extra.signal, core.changePollMs);
      }
      const current = await core.store.get(record.id, NO_OUTCOME);
      if (!current || current.expiresMs <= core.now()) throw taskNotFound();
      record = current;
    }
    if (waited) {
      // The task ran on while this request waited: its token may have expired and the record has changed,
      // so the result goes out only on a decision about the caller and record as they are now.
      if (principal.expiresAtMs <= core.now()) throw unauthenticated();
      ({ decision, decisionId } = core.decide({ op: 'result', principal, task: record }));
      if (!decision.allow) throw denial('result', record, decision);
    }
    const read = await core.store.recordResultRead(record.id, decision.revoke_after_result === true);
    if (!read) {
      // Another reader took the single read between the decision and now: decide again for the record.
      ({ decision, decisionId } = core.decide({ op: 'result', principal, ...(record ? { task: { ...record, resultsRead: 1 } } : {}) }));
      throw accessDenied(decision.allow ? ['result_revoked'] : decision.reasons);
    }
    core.lifecycle('result_read', read, { principal, op: 'result', decisionId });
    if (decision.revoke_after_result) core.lifecycle('revoked', read, { principal, op: 'result', decisionId });
    const outcome = read.outcome;
    if (!outcome) throw accessDenied(['result_revoked']);
    if (outcome.kind === 'error') throw new GuardRpcError(outcome.code, outcome.message);
    const meta = (outcome.result['_meta'] as Record<string, unknown> | undefined) ?? {};
    return { ...outcome.result, _meta: { ...meta, [RELATED_TASK_META_KEY]: { taskId: record.id } } };
  };
}

/**
 * Delivers a task's pending elicitation on this tasks/result stream, after deciding `input` for the caller:
 * only someone the policy lets answer (the owner, with step-up where data asks for it) is ever shown it.
 */
async function deliverInput(core: GuardCore, principal: Principal, record: TaskRecord, pending: PendingInput, extra: Extra): Promise<void> {
  const { decision } = core.decide({ op: 'input', principal, task: record });
  if (!decision.allow) throw denial('input', record, decision);
  pending.delivering = true;
  // The answer is decided again when it arrives (screenAnswers), with the principal that sends it; a refusal
  // aborts this request.
  const delivery: Delivery = { abort: new AbortController() };
  pending.delivery = delivery;
  try {
    const answer = await extra.sendRequest({
      method: 'elicitation/create',
      params: { ...pending.params, mode: 'form', _meta: { [RELATED_TASK_META_KEY]: { taskId: record.id } } },
    } as never, ElicitResultSchema, { signal: AbortSignal.any([extra.signal, delivery.abort.signal]) });
    pending.resolve(answer);
  } catch (err) {
    // The requestor went away, refused the request, or its answer was refused: the task keeps waiting for
    // the next tasks/result.
    pending.delivering = false;
    throw delivery.refused ?? err;
  } finally {
    delivery.release?.();
    if (pending.delivery === delivery) delete pending.delivery;
  }
}

/** tasks/list: filtered by owner (or tenant, for a supervisor granted list) inside the store, before paging. */
export function createListHandler(core: GuardCore) {
  return async (request: { params?: unknown }, extra: Extra) => {
    const principal = requirePrincipal(extra);
    core.throttle(principal, 'list');
    const { cursor } = parseListParams(request.params);
    const { decision } = core.decide({ op: 'list', principal });
    if (!decision.allow) throw denial('list', undefined, decision);
    const scope = decision.list_scope === 'tenant'
      ? { kind: 'tenant' as const, tenant: principal.tenant }
      : { kind: 'owner' as const, owner: ownerOf(principal) };
    const binding = scope.kind === 'tenant'
      ? `tenant\0${principal.tenant}\0${principal.sub}\0${principal.clientId}`
      : `owner\0${principal.tenant}\0${principal.sub}\0${principal.clientId}`;
    const after = cursor === undefined ? undefined : core.cursors.decode(cursor, binding);
    const page = await core.store.list(scope, core.now(), after, PAGE_SIZE);
    const last = page.records.at(-1);
    return {
      // Each task's own poll interval, as its creation reported it: a list decision names no tool.
      tasks: page.records.map((r) => toWireTask(r)),
      ...(page.more && last ? { nextCursor: core.cursors.encode({ createdMs: last.createdMs, id: last.id }, binding) } : {}),
      _meta: {},
    };
  };
}
