import type { Decision, Operation, Wire } from '../decision/types.js';
import { ownerOf, principalKey, type Principal } from '../identity/principal.js';
import { NO_OUTCOME, TERMINAL_STATUSES, type TaskRecord } from '../stores/types.js';
import { expireInBackground } from './call-tool.js';
import type { Decided, GuardCore } from './core.js';
import { denialOf, onlyReason } from './decision-denials.js';
import { accessDenied, deny, invalidTaskId, notFound, unauthenticated } from './denials.js';
import { EXTENSION_WIRE, requireDeclared, type ExtensionRequest } from './extension-request.js';
import { deliverInput, type Deliver } from './input.js';
import { reuse, type Predecided } from './predecided.js';
import type { ToolResult } from './tools.js';

const PAGE_SIZE = 50;

/** Task ids are receiver-generated UUIDs; anything else cannot name a task (and saying so reveals nothing). */
const TASK_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isWellFormedTaskId(id: unknown): id is string {
  return typeof id === 'string' && TASK_ID.test(id);
}

export interface Loaded extends Decided {
  /** Undefined when no such task is stored (the decision then denies). */
  record: TaskRecord | undefined;
}

/**
 * Loads the task and decides `op` on it, without reading the decision: for operations whose refusals do not
 * all become errors (2026-07-28: a cancel of a finished task is acknowledged). Starts the expiry of an
 * expired task it finds. The caller has throttled the request.
 */
export async function loadAndDecide(core: GuardCore, op: Operation, principal: Principal, taskId: unknown, predecided: Predecided | undefined, wire: Wire): Promise<Loaded> {
  if (!isWellFormedTaskId(taskId)) throw invalidTaskId();
  const record = await core.store.get(taskId, NO_OUTCOME);
  const { decision, decisionId } = reuse(predecided, principal, { op, record, wire })
    ?? core.decide({ op, wire, principal, ...(record ? { task: record } : {}) });
  if (record && record.expiresMs <= core.now()) expireInBackground(core, record.id);
  return { record, decision, decisionId };
}

interface Authorized extends Decided {
  record: TaskRecord;
}

/** Loads the task and decides `op` on it; every way of not being allowed to see it is the same answer. */
async function authorize(core: GuardCore, op: Operation, principal: Principal, taskId: string, predecided: Predecided | undefined): Promise<Authorized> {
  core.throttle(principal, op);
  const { record, decision, decisionId } = await loadAndDecide(core, op, principal, taskId, predecided, '2025-11-25');
  return { record: allowed(op, decision, record), decision, decisionId };
}

/** The record an allowed decision was about, or the refusal to throw. */
export function allowed(op: Operation, decision: Decision, record: TaskRecord | undefined): TaskRecord {
  if (!decision.allow) throw denialOf(op, decision, { record });
  if (!record) throw notFound(); // an allow without a task would be a policy bug: fail closed
  return record;
}

/** tasks/get: the task as it is, with the poll interval the policy suggests now. */
export async function getTask(core: GuardCore, principal: Principal, taskId: string, predecided?: Predecided): Promise<{ record: TaskRecord; pollIntervalMs: number }> {
  const { record, decision } = await authorize(core, 'get', principal, taskId, predecided);
  return { record, pollIntervalMs: decision.poll_interval_ms ?? record.pollIntervalMs };
}

/** tasks/cancel: a compare-and-set to cancelled, then the work itself is stopped. */
export async function cancelTask(core: GuardCore, principal: Principal, taskId: string, predecided?: Predecided): Promise<TaskRecord> {
  const { record, decisionId } = await authorize(core, 'cancel', principal, taskId, predecided);
  const outcome = await cancelRecord(core, principal, record, decisionId);
  // Lost a race: to completion (the task stays as it finished) or to expiry (the task is gone).
  if (outcome.kind === 'finished') throw deny({ kind: 'already_terminal' });
  if (outcome.kind === 'gone') throw notFound();
  return outcome.record;
}

/**
 * 2026-07-28 tasks/cancel: the empty acknowledgement, and the work itself is stopped. The ack is eventually
 * consistent and a task may end otherwise than cancelled, so cancelling a task that already finished (or
 * finishes first) is acknowledged too and leaves it as it finished; only a task the caller cannot see, or
 * one that is gone (expired, or purged by its single read), is "not found".
 */
export async function requestCancel(core: GuardCore, principal: Principal, taskId: unknown, request: ExtensionRequest): Promise<void> {
  core.throttle(principal, 'cancel');
  requireDeclared(core, principal, 'cancel', request);
  const { record, decision, decisionId } = await loadAndDecide(core, 'cancel', principal, taskId, request.predecided, EXTENSION_WIRE);
  // Said only to a caller bound to the task: a stranger gets the binding reasons (not found).
  if (onlyReason(decision, 'task_terminal')) {
    if (record?.revoked) throw notFound();
    return;
  }
  const outcome = await cancelRecord(core, principal, allowed('cancel', decision, record), decisionId);
  if (outcome.kind === 'gone') throw notFound();
}

export type CancelOutcome = { kind: 'cancelled'; record: TaskRecord } | { kind: 'finished' } | { kind: 'gone' };

/** The cancel itself, once allowed: a compare-and-set from a live status, then the work is stopped. */
export async function cancelRecord(core: GuardCore, principal: Principal, record: TaskRecord, decisionId: string): Promise<CancelOutcome> {
  const cancelled = await core.store.transition(record.id, ['working', 'input_required'], {
    status: 'cancelled',
    statusMessage: 'The task was cancelled by request.',
    outcome: { kind: 'error', code: -32800, message: 'task was cancelled' },
  }, core.now());
  if (!cancelled) return (await core.store.get(record.id, NO_OUTCOME)) ? { kind: 'finished' } : { kind: 'gone' };
  core.workers.abort(record.id, 'task cancelled');
  core.changed(cancelled);
  core.lifecycle('cancelled', cancelled, { principal, op: 'cancel', decisionId });
  return { kind: 'cancelled', record: cancelled };
}

export interface ResultFacts {
  /** Aborted when the request goes away: the wait ends, the task does not. */
  signal: AbortSignal;
  /** Shows a pending question to the caller and returns the answer; without it, questions are not delivered here. */
  deliver?: Deliver | undefined;
  predecided?: Predecided | undefined;
}

/**
 * tasks/result: waits until the task is terminal (delivering its questions on the way, each after an `input`
 * decision), then hands out exactly what the underlying call returned, counting the read (and revoking a
 * single-read result).
 */
export async function taskResult(core: GuardCore, principal: Principal, taskId: string, facts: ResultFacts): Promise<{ record: TaskRecord; result: ToolResult }> {
  let { record, decision, decisionId } = await authorize(core, 'result', principal, taskId, facts.predecided);
  let waited = false;
  while (!TERMINAL_STATUSES.has(record.status)) {
    const first = !waited;
    waited = true;
    const pending = record.status === 'input_required' ? core.workers.pendingInput(record.id) : undefined;
    if (pending && !pending.delivering && facts.deliver) {
      // A question delivered first thing may use the input decision the transport took for this request.
      await deliverInput(core, principal, record, pending, facts.deliver, facts.signal, first ? facts.predecided : undefined);
    } else {
      await core.workers.nextChange(record.id, facts.signal, core.changePollMs);
    }
    const current = await core.store.get(record.id, NO_OUTCOME);
    if (!current || current.expiresMs <= core.now()) throw notFound();
    record = current;
  }
  if (waited) {
    // The task ran on while this request waited: its token may have expired and the record has changed,
    // so the result goes out only on a decision about the caller and record as they are now.
    if (principal.expiresAtMs <= core.now()) throw unauthenticated();
    ({ decision, decisionId } = core.decide({ op: 'result', principal, task: record }));
    if (!decision.allow) throw denialOf('result', decision, { record });
  }
  const read = await core.store.recordResultRead(record.id, decision.revoke_after_result === true);
  if (!read) {
    // Another reader took the single read between the decision and now: decide again for the record.
    ({ decision, decisionId } = core.decide({ op: 'result', principal, task: { ...record, resultsRead: 1 } }));
    throw accessDenied(decision.allow ? ['result_revoked'] : decision.reasons);
  }
  core.lifecycle('result_read', read, { principal, op: 'result', decisionId });
  if (decision.revoke_after_result) core.lifecycle('revoked', read, { principal, op: 'result', decisionId });
  const outcome = read.outcome;
  if (!outcome) throw accessDenied(['result_revoked']);
  if (outcome.kind === 'error') throw deny({ kind: 'task_error', code: outcome.code, message: outcome.message });
  return { record: read, result: outcome.result as ToolResult };
}

/** tasks/list: filtered by owner (or tenant, for a supervisor granted list) inside the store, before paging. */
export async function listTasks(core: GuardCore, principal: Principal, cursor: string | undefined): Promise<{ records: TaskRecord[]; nextCursor?: string }> {
  core.throttle(principal, 'list');
  const { decision } = core.decide({ op: 'list', principal });
  if (!decision.allow) throw denialOf('list', decision);
  const scope = listScopeOf(decision, principal);
  // A cursor is bound to the caller and the scope it pages: useless to anyone else, or in another scope.
  const binding = `${scope.kind}\0${principalKey(principal)}`;
  const after = cursor === undefined ? undefined : core.cursors.decode(cursor, binding);
  const page = await core.store.list(scope, core.now(), after, PAGE_SIZE);
  const last = page.records.at(-1);
  return {
    records: page.records,
    ...(page.more && last ? { nextCursor: core.cursors.encode({ createdMs: last.createdMs, id: last.id }, binding) } : {}),
  };
}

function listScopeOf(decision: Decision, principal: Principal) {
  return decision.list_scope === 'tenant'
    ? { kind: 'tenant' as const, tenant: principal.tenant }
    : { kind: 'owner' as const, owner: ownerOf(principal) };
}
