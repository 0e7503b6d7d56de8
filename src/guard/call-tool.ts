import { randomUUID } from 'node:crypto';
import { ownerOf, type Principal } from '../identity/principal.js';
import { NO_OUTCOME, type Idempotency, type TaskOutcome, type TaskRecord } from '../stores/types.js';
import type { Decided, GuardCore } from './core.js';
import { denialOf } from './decision-denials.js';
import { deny, isGuardDenial } from './denials.js';
import { idempotencyConflict, idempotencyFor, idempotencyKeyOf } from './idempotency.js';
import { gatherInTask } from './gather.js';
import { isInputRequired, type InputRounds, type RoundState } from './rounds.js';
import { parseArguments, runTool } from './run-tool.js';
import { jsonRpcErrorOf } from './tool-errors.js';
import type { CallPeer, GuardedTool, TaskControl, ToolResult } from './tools.js';
import { reuse, type Predecided } from './predecided.js';

/** A tools/call as the guard sees it, whatever wire carried it. */
export interface CallFacts {
  name: string;
  arguments: unknown;
  /** Present when the call is to run as a task; ttlMs is what the requestor asked for, if anything. */
  task?: { ttlMs: number | undefined } | undefined;
  /** The request's `_meta` (the idempotency key travels there). */
  meta?: Record<string, unknown> | undefined;
  /** Aborted when the request is cancelled (a plain call stops with it; a task outlives it). */
  signal: AbortSignal;
  /** Told each time the task's record changes (status notifications, best effort). */
  onTaskChange?: ((record: TaskRecord) => void) | undefined;
  /** The decision a transport already took for this request (see preflight). */
  predecided?: Predecided | undefined;
  /** The caller, reachable while a plain call runs (progress, sampling, elicitation). */
  peer?: CallPeer | undefined;
}

export type CallOutcome = { kind: 'result'; result: ToolResult } | { kind: 'task'; record: TaskRecord };

export const TOOL_FAILED = 'tool execution failed';
/** What 2025-11-25 says of a task whose tool returned an isError result (its output is for tasks/result). */
export const TOOL_REPORTED_ERROR = 'the tool reported an error; tasks/result has its output';

/** tools/call: a plain call is decided as `call` and runs inline; one asked to run as a task is decided as `create`. */
export async function callTool(core: GuardCore, principal: Principal, facts: CallFacts): Promise<CallOutcome> {
  const { name } = facts;
  const asTask = facts.task !== undefined;
  const op = asTask ? 'create' : 'call';
  core.throttle(principal, op);
  const tool = core.tools.get(name);
  // MCP tools: an unknown tool is -32602. tools/list already names every tool, so this reveals nothing.
  if (!tool) throw deny({ kind: 'unknown_tool', tool: name });

  const requestedTtl = facts.task?.ttlMs;
  const ttl = asTask ? { requestedTtlMs: requestedTtl ?? null } : {};
  const { decision, decisionId } = reuse(facts.predecided, principal, { op, tool: name, ...ttl })
    ?? core.decide({ op, principal, tool: name, ...ttl });
  if (!decision.allow) throw denialOf(op, decision, { tool: name });
  const args = parseArguments(tool, facts.arguments);

  if (!asTask) return { kind: 'result', result: await runPlainCall(core, tool, args, principal, facts.signal, facts.peer) };
  return startTask(core, principal, tool, args, { decision, decisionId }, { meta: facts.meta, requestedTtlMs: requestedTtl, onTaskChange: facts.onTaskChange });
}

/** What starting a task needs of its request besides the tool and arguments. */
export interface TaskStart {
  meta: Record<string, unknown> | undefined;
  requestedTtlMs: number | undefined;
  onTaskChange?: ((record: TaskRecord) => void) | undefined;
  /** What the tool gathered before its task (2026-07-28); without it a tool that gathers does so in the task. */
  gathered?: { value: RoundState } | undefined;
}

/**
 * An allowed `create`: the idempotency key's earlier task if it holds one, else a new task within the
 * live-task cap, stored (durably: a get for it resolves once this does) before its worker starts.
 */
export async function startTask(
  core: GuardCore, principal: Principal, tool: GuardedTool, args: Record<string, unknown>, { decision, decisionId }: Decided, start: TaskStart,
): Promise<{ kind: 'task'; record: TaskRecord }> {
  const op = 'create';
  const key = idempotencyKeyOf(start.meta);
  const idempotency = key === undefined ? undefined : idempotencyFor(key, tool.name, args, start.requestedTtlMs);
  const earlier = idempotency ? await heldBy(core, principal, idempotency) : undefined;
  if (earlier) {
    core.lifecycle('create_replayed', earlier, { principal, op, decisionId });
    return { kind: 'task', record: earlier };
  }
  const limit = core.policy.limits.liveTasksPerPrincipal;
  if ((await core.store.countLive(ownerOf(principal), core.now())) >= limit) throw deny({ kind: 'task_limit', limit });
  const fresh = newRecord(core, principal, tool.name, decision.ttl_ms as number, decision.poll_interval_ms ?? 1000, idempotency);
  const created = await core.store.create(fresh, core.claimForNewTask());
  if (!created.created) {
    // A concurrent retry with the same key stored its task between the look-up and this create.
    if (created.record.idempotency?.digest !== idempotency?.digest) throw idempotencyConflict();
    core.lifecycle('create_replayed', created.record, { principal, op, decisionId });
    return { kind: 'task', record: created.record };
  }
  const record = created.record;
  core.lifecycle('created', record, { principal, op, decisionId });
  startWorker(core, tool, args, principal, record, start);
  return { kind: 'task', record };
}

/**
 * The principal's live task holding this idempotency key, if any: the answer to a retry. The same key with a
 * different request is refused; a holder that expired is expired now (and audited), freeing the key.
 */
async function heldBy(core: GuardCore, principal: Principal, idempotency: Idempotency): Promise<TaskRecord | undefined> {
  const holder = await core.store.getByIdempotencyKey(ownerOf(principal), idempotency.key);
  if (!holder) return undefined;
  if (holder.expiresMs <= core.now()) {
    await expireTask(core, holder.id);
    return undefined;
  }
  if (holder.idempotency?.digest !== idempotency.digest) throw idempotencyConflict();
  return holder;
}

function newRecord(core: GuardCore, principal: Principal, tool: string, ttlMs: number, pollIntervalMs: number, idempotency?: Idempotency): TaskRecord {
  const now = core.now();
  return {
    id: randomUUID(),
    tool,
    owner: ownerOf(principal),
    scopes: [...principal.scopes],
    status: 'working',
    createdMs: now,
    updatedMs: now,
    ttlMs,
    expiresMs: now + ttlMs,
    pollIntervalMs,
    resultsRead: 0,
    revoked: false,
    ...(idempotency ? { idempotency } : {}),
  };
}

/**
 * Runs the tool in the background. Completion is a compare-and-set from a live status, so a task cancelled
 * or expired meanwhile stays as it is; the abort signal stops the work itself on cancel and on expiry.
 */
function startWorker(
  core: GuardCore, tool: GuardedTool, args: Record<string, unknown>, principal: Principal, record: TaskRecord,
  { onTaskChange, gathered }: TaskStart,
): void {
  const controller = core.workers.start(record.id);
  core.workers.scheduleExpiry(record.id, record.expiresMs - core.now(), () => expireInBackground(core, record.id));
  const notify = (r: TaskRecord): void => {
    core.changed(r);
    try {
      onTaskChange?.(r);
    } catch {
      // Best effort (MCP: MAY); requestors poll regardless.
    }
  };
  const control: TaskControl = {
    id: record.id,
    async setStatusMessage(message: string) {
      const updated = await core.store.transition(record.id, ['working', 'input_required'], { statusMessage: truncate(message, 1000) }, core.now());
      if (updated) {
        core.lifecycle('status', updated);
        notify(updated);
      }
    },
    async requestInput(question) {
      controller.signal.throwIfAborted();
      // From input_required too: the tool may ask while another of its questions waits (asking in parallel).
      const waiting = await core.store.transition(record.id, ['working', 'input_required'], { status: 'input_required', statusMessage: truncate(question.message, 1000) }, core.now());
      if (!waiting) throw new Error('task is not running');
      core.lifecycle('status', waiting);
      notify(waiting);
      const answer = await core.workers.awaitInput(record.id, question);
      // The task works again once none of its questions waits any more.
      if (core.workers.pendingInputs(record.id).length > 0) return answer;
      const resumed = await core.store.transition(record.id, ['input_required'], { status: 'working', statusMessage: 'input received' }, core.now());
      if (resumed) {
        core.lifecycle('status', resumed);
        notify(resumed);
        return answer;
      }
      // The answer to a question asked beside this one resumed the task first.
      if ((await core.store.get(record.id, NO_OUTCOME))?.status === 'working') return answer;
      throw new Error('task is no longer waiting for input');
    },
  };

  core.workers.track((async () => {
    let ending: Ending;
    try {
      const { gather } = tool.config;
      const input = gathered ?? (gather ? { value: await gatherInTask(gather, args, control, controller.signal) } : undefined);
      const result = await runTool(core, tool, args, { principal, signal: controller.signal, task: control, depth: 0, gathered: input?.value });
      ending = result.isError
        ? { status: 'failed', statusMessage: TOOL_REPORTED_ERROR, outcome: { kind: 'result', result } }
        : { status: 'completed', outcome: { kind: 'result', result } };
    } catch (err) {
      ending = failure(core, err, controller.signal);
    } finally {
      core.workers.finished(record.id);
    }
    const done = await settleWithRetries(() => core.store.transition(record.id, ['working', 'input_required'], ending, core.now()));
    if (done) {
      notify(done);
      core.lifecycle('status', done);
    }
  })().catch(() => {
    // Only the audit sink or the store can throw here; a failing audit log has reported itself through its
    // onError, and every foreground operation keeps failing closed on it.
  }));
}

/** How a finished worker's task ends. A failure always says why in statusMessage (MCP: SHOULD). */
type Ending =
  | { status: 'completed'; outcome: TaskOutcome }
  | { status: 'failed'; statusMessage: string; outcome: TaskOutcome };

/**
 * A tool that threw. Stopped work says what stopped it (our own abort reasons are plain sentences, such as
 * the shutdown grace running out); a JSON-RPC error keeps its code and message; anything else is a tool bug
 * whose text may carry internals, so the requestor gets a generic line.
 */
function failure(core: GuardCore, err: unknown, signal: AbortSignal): Ending {
  if (signal.aborted && signal.reason instanceof Error) {
    const message = signal.reason.message;
    return { status: 'failed', statusMessage: message, outcome: { kind: 'error', code: INTERNAL_ERROR, message } };
  }
  const rpc = isGuardDenial(err) ? core.errorOutcome(err.denial) : jsonRpcErrorOf(err);
  if (rpc) return { status: 'failed', statusMessage: `the tool failed: ${rpc.message}`, outcome: { kind: 'error', ...rpc } };
  return { status: 'failed', statusMessage: TOOL_FAILED, outcome: { kind: 'error', code: INTERNAL_ERROR, message: TOOL_FAILED } };
}

/** JSON-RPC's internal error: what a task that failed on our side ends with. */
const INTERNAL_ERROR = -32603;

/**
 * The final transition of a finished worker: a store that blinks (a dropped connection, a failover) must not
 * leave the task `working` with nobody running it, so the write is retried for about ten seconds. Past
 * that the task is left to its TTL (and, on a leased store, to orphan recovery once this host is gone).
 */
export async function settleWithRetries<T>(write: () => Promise<T>): Promise<T> {
  let delayMs = 100;
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (err) {
      if (attempt >= 7) throw err;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      delayMs = Math.min(delayMs * 2, 3200);
    }
  }
}

/** Expiry from a timer or a sweep: nothing awaits it, so a failure must not become an unhandled rejection. */
export function expireInBackground(core: GuardCore, id: string): void {
  expireTask(core, id).catch(() => {});
}

/** An expired task stops and disappears, for everyone. */
export async function expireTask(core: GuardCore, id: string): Promise<void> {
  const record = await core.store.get(id, NO_OUTCOME);
  core.workers.forget(id, 'task expired');
  if (record && (await core.store.delete(id))) core.lifecycle('expired', record);
}

/**
 * A plain call runs inline. A guard refusal inside it (a nested call denied) or a tool's own JSON-RPC error
 * reaches the caller; any other exception is a tool bug whose text may carry internals, so it becomes a
 * generic isError result.
 */
export async function runPlainCall(
  core: GuardCore, tool: GuardedTool, args: Record<string, unknown>, principal: Principal, signal: AbortSignal, peer?: CallPeer, rounds?: InputRounds,
): Promise<ToolResult> {
  try {
    return await runTool(core, tool, args, { principal, signal, depth: 0, peer, rounds });
  } catch (err) {
    if (isPassedOn(err)) throw err;
    return { content: [{ type: 'text', text: TOOL_FAILED }], isError: true };
  }
}

/** Passed on too: the end of an input round (InputRounds.ask), which the call answers with its questions. */
function isPassedOn(err: unknown): boolean {
  return isGuardDenial(err) || jsonRpcErrorOf(err) !== undefined || isInputRequired(err);
}

/** Cuts at a code point boundary: half a surrogate pair would be a different string once stored. */
function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}
