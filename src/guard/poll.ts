import type { Principal } from '../identity/principal.js';
import type { TaskRecord } from '../stores/types.js';
import { TOOL_REPORTED_ERROR } from './call-tool.js';
import type { GuardCore } from './core.js';
import { onlyReason, payloadDenialOf } from './decision-denials.js';
import { notFound } from './denials.js';
import { EXTENSION_WIRE, requireDeclared, type ExtensionRequest } from './extension-request.js';
import { reuse, type Predecided } from './predecided.js';
import { allowed, loadAndDecide } from './task-ops.js';
import type { InputQuestion, ToolResult } from './tools.js';

/** What a task's status inlines on 2026-07-28's tasks/get (the DetailedTask variants). */
export type TaskDetail =
  | { status: 'working' | 'cancelled' }
  /** Every question the task waits on, each under a key never used for another over the task's life. */
  | { status: 'input_required'; inputRequests: ReadonlyArray<{ key: string; question: InputQuestion }> }
  | { status: 'completed'; result: ToolResult }
  /** `failed` is for JSON-RPC errors only: a tool's isError result is `completed`. */
  | { status: 'failed'; error: { code: number; message: string } };

export interface PolledTask {
  record: TaskRecord;
  pollIntervalMs: number;
  /** The record's statusMessage as this generation reads it. */
  statusMessage: string | undefined;
  detail: TaskDetail;
}

/**
 * 2026-07-28 tasks/get: decided as `get`, and where the status inlines more, that is decided too, on the
 * same record: a question as `input` (only someone the policy lets answer sees it), a result or error as
 * `result` (step-up; a single-read result is handed out once, by the compare-and-set of recordResultRead,
 * and the task reads as purged, "not found", to every get after that one, and to those racing it).
 */
export async function pollTask(core: GuardCore, principal: Principal, taskId: unknown, request: ExtensionRequest): Promise<PolledTask> {
  core.throttle(principal, 'get');
  requireDeclared(core, principal, 'get', request);
  const loaded = await loadAndDecide(core, 'get', principal, taskId, request.predecided, EXTENSION_WIRE);
  const record = allowed('get', loaded.decision, loaded.record);
  const detail = await detailOf(core, principal, record, request.predecided);
  // 2025-11-25 records a tool's isError result as failed, pointing at tasks/result; here it is completed.
  const statusMessage = detail.status === 'completed' && record.statusMessage === TOOL_REPORTED_ERROR ? undefined : record.statusMessage;
  return { record, pollIntervalMs: loaded.decision.poll_interval_ms ?? record.pollIntervalMs, statusMessage, detail };
}

async function detailOf(core: GuardCore, principal: Principal, record: TaskRecord, predecided: Predecided | undefined): Promise<TaskDetail> {
  switch (record.status) {
    case 'working':
    case 'cancelled':
      return { status: record.status };
    case 'input_required':
      return { status: 'input_required', inputRequests: await questionsOf(core, principal, record, predecided) };
    case 'completed':
    case 'failed':
      return resultOf(core, principal, record, predecided);
  }
}

/**
 * The questions the task waits on in this process (a question lives with the work that asked it; another
 * host polling the same task sees none until it moves on), shown after an `input` decision.
 */
async function questionsOf(core: GuardCore, principal: Principal, record: TaskRecord, predecided: Predecided | undefined): Promise<Array<{ key: string; question: InputQuestion }>> {
  const pending = core.workers.pendingInputs(record.id);
  if (pending.length === 0) return [];
  const subject = { op: 'input' as const, wire: EXTENSION_WIRE, record };
  const { decision } = reuse(predecided, principal, subject) ?? core.decide({ op: 'input', wire: EXTENSION_WIRE, principal, task: record });
  if (!decision.allow) throw payloadDenialOf('input', decision, record);
  return pending.map(({ key, question }) => ({ key, question }));
}

async function resultOf(core: GuardCore, principal: Principal, record: TaskRecord, predecided: Predecided | undefined): Promise<TaskDetail> {
  const subject = { op: 'result' as const, wire: EXTENSION_WIRE, record };
  const { decision, decisionId } = reuse(predecided, principal, subject) ?? core.decide({ op: 'result', wire: EXTENSION_WIRE, principal, task: record });
  // The single read was taken (through either wire): on this generation the task is purged.
  if (onlyReason(decision, 'result_revoked')) throw notFound();
  if (!decision.allow) throw payloadDenialOf('result', decision, record);
  const read = await core.store.recordResultRead(record.id, decision.revoke_after_result === true);
  // Lost the single read to a concurrent get (or the payload went earlier): purged, like every later get.
  if (!read?.outcome) throw notFound();
  core.lifecycle('result_read', read, { principal, op: 'result', decisionId });
  if (decision.revoke_after_result) core.lifecycle('revoked', read, { principal, op: 'result', decisionId });
  const { outcome } = read;
  return outcome.kind === 'result'
    ? { status: 'completed', result: outcome.result as ToolResult }
    : { status: 'failed', error: { code: outcome.code, message: outcome.message } };
}
