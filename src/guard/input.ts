import type { Principal } from '../identity/principal.js';
import { NO_OUTCOME, type TaskRecord } from '../stores/types.js';
import type { GuardCore } from './core.js';
import { denialOf } from './decision-denials.js';
import { unauthenticated } from './denials.js';
import type { InputAnswer, InputQuestion } from './tools.js';
import type { Delivery, PendingInput } from './workers.js';
import { reuse, type Predecided } from './predecided.js';

/**
 * How a wire shows a task's question to the requestor whose tasks/result is waiting, and gets the answer.
 * `abort` fires when the answer is refused (see admitAnswer) or the request goes away.
 */
export type Deliver = (question: InputQuestion, taskId: string, abort: AbortSignal) => Promise<InputAnswer>;

/**
 * Delivers a task's pending question, after deciding `input` for the caller: only someone the policy lets
 * answer (the owner, with step-up where data asks for it) is ever shown it. The answer itself is decided
 * again when it arrives (admitAnswer), with the principal that sends it; a refusal aborts the delivery and
 * this throws that refusal. Either way a failed delivery leaves the question for the next tasks/result.
 */
export async function deliverInput(
  core: GuardCore, principal: Principal, record: TaskRecord, pending: PendingInput, deliver: Deliver, signal: AbortSignal,
  predecided?: Predecided,
): Promise<void> {
  const { decision } = reuse(predecided, principal, { op: 'input', record }) ?? core.decide({ op: 'input', principal, task: record });
  if (!decision.allow) throw denialOf('input', decision, { record });
  pending.delivering = true;
  const delivery: Delivery = { abort: new AbortController() };
  pending.delivery = delivery;
  try {
    const answer = await deliver(pending.question, record.id, AbortSignal.any([signal, delivery.abort.signal]));
    pending.resolve(answer);
  } catch (err) {
    pending.delivering = false;
    // Answered meanwhile through the other wire (2026-07-28 tasks/update), which ended this delivery: the
    // task has its answer, and tasks/result waits on for its result.
    if (pending.state === 'answered' && !delivery.refused) return;
    // Whoever else waits on this task's result may deliver the question now.
    core.workers.changed(record.id);
    throw delivery.refused ?? err;
  } finally {
    if (pending.delivery === delivery) delete pending.delivery;
  }
}

/**
 * Whether the answer to task `taskId`'s question, carried by a request from `principal`, may reach the task:
 * decided as `input` at arrival (binding, acr, auth_time within max_age now). A refusal fails the delivery
 * that showed the question, and the task stays input_required.
 */
export async function admitAnswer(core: GuardCore, taskId: string, principal: Principal | undefined): Promise<boolean> {
  // One question at a time is delivered on this wire: the answer is to the one being delivered.
  const delivery = core.workers.pendingInputs(taskId).find((p) => p.delivery)?.delivery;
  // The delivery already ended (the requestor went away): nobody waits for this answer.
  if (!delivery) return false;
  try {
    if (!principal || principal.expiresAtMs <= core.now()) return refuse(delivery, unauthenticated());
    const record = await core.store.get(taskId, NO_OUTCOME);
    const { decision } = core.decide({ op: 'input', principal, ...(record ? { task: record } : {}) });
    if (decision.allow && record) return true;
    return refuse(delivery, denialOf('input', decision, { record }));
  } catch (err) {
    return refuse(delivery, core.localFailure(err, { op: 'input', principal, taskId }));
  }
}

function refuse(delivery: Delivery, error: Error): false {
  delivery.refused = error;
  delivery.abort.abort(error);
  return false;
}
