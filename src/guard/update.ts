import type { Principal } from '../identity/principal.js';
import type { GuardCore } from './core.js';
import { onlyReason } from './decision-denials.js';
import { invalidParams, notFound, unauthenticated } from './denials.js';
import { EXTENSION_WIRE, requireDeclared, type ExtensionRequest } from './extension-request.js';
import { allowed, loadAndDecide } from './task-ops.js';
import type { InputAnswer } from './tools.js';

const ACTIONS = new Set(['accept', 'decline', 'cancel']);

/**
 * 2026-07-28 tasks/update: answers to the task's questions, keyed as tasks/get showed them. The request is
 * decided as `input` when it arrives, with its own principal (binding, acr, auth_time within max_age now),
 * once: the decision input names the task, not a key, so every answer in one request gets the same one.
 * Allowed, each answer whose key is outstanding reaches the task (all of them, or a subset: the task stays
 * input_required until none is left) and every other key is ignored (never issued, already answered,
 * superseded); refused, nothing reaches it and the refusal is the answer (step-up, say), except that a
 * task no longer waiting for input has no outstanding key, so there is nothing to refuse and the request
 * is acknowledged. Resolves to the empty acknowledgement (eventually consistent: the
 * task moves back to working on its own).
 */
export async function updateTask(core: GuardCore, principal: Principal, taskId: unknown, responses: Readonly<Record<string, unknown>>, request: ExtensionRequest): Promise<void> {
  core.throttle(principal, 'input');
  requireDeclared(core, principal, 'input', request);
  const { record, decision } = await loadAndDecide(core, 'input', principal, taskId, request.predecided, EXTENSION_WIRE);
  // Said only to a caller bound to the task: a stranger gets the binding reasons (not found).
  if (onlyReason(decision, 'not_awaiting_input')) {
    if (record?.revoked) throw notFound(); // its single read was taken: purged on this generation
    return;
  }
  const task = allowed('input', decision, record);
  const answered = core.workers.pendingInputs(task.id).filter((pending) => Object.hasOwn(responses, pending.key));
  // Every answer is read before any reaches the task: one malformed answer and none of them does.
  const answers = answered.map((pending) => ({ pending, answer: answerOf(responses[pending.key], pending.key) }));
  if (answers.length === 0) return;
  if (principal.expiresAtMs <= core.now()) throw unauthenticated();
  for (const { pending, answer } of answers) {
    pending.resolve(answer);
    // A 2025-11-25 tasks/result showing the same question waits for its answer no longer.
    pending.delivery?.abort.abort(new Error('answered through tasks/update'));
  }
}

/** An elicitation result (MRTR's input response to elicitation/create); anything else changes nothing. */
function answerOf(value: unknown, key: string): InputAnswer {
  const where = `inputResponses.${key.slice(0, 64)}`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidParams(`${where} must be an object`);
  const { action, content } = value as Record<string, unknown>;
  if (typeof action !== 'string' || !ACTIONS.has(action)) throw invalidParams(`${where}.action must be accept, decline or cancel`);
  if (content !== undefined && (typeof content !== 'object' || content === null || Array.isArray(content))) throw invalidParams(`${where}.content must be an object`);
  return { action: action as InputAnswer['action'], ...(content !== undefined ? { content: content as Record<string, unknown> } : {}) };
}
