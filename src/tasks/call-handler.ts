import { randomUUID } from 'node:crypto';
import { ErrorCode, McpError, type CallToolResult, type ServerNotification, type ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { principalFromAuthInfo, type Principal } from '../identity/principal.js';
import { NO_OUTCOME, type Idempotency, type TaskOutcome, type TaskRecord } from '../stores/types.js';
import type { GuardCore } from './core.js';
import { ownerOf } from './inputs.js';
import { idempotencyConflict, idempotencyFor, idempotencyKeyOf } from './idempotency.js';
import { GuardRpcError, taskLimitReached, unauthenticated, wireMessage } from './rpc-errors.js';
import { parseArguments, runTool, toolDenial } from './run-tool.js';
import { parseCallParams } from './params.js';
import type { GuardedTool, TaskControl } from './tools.js';
import { toWireTask } from './wire.js';

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

export function requirePrincipal(extra: Extra): Principal {
  const principal = principalFromAuthInfo(extra.authInfo);
  if (!principal) throw unauthenticated();
  return principal;
}

/** tools/call: a plain call is decided as `call` and runs inline; with params.task it is decided as `create`. */
export function createCallToolHandler(core: GuardCore, server: McpServer) {
  return async (request: { params?: unknown }, extra: Extra): Promise<CallToolResult | { task: ReturnType<typeof toWireTask> }> => {
    const principal = requirePrincipal(extra);
    const params = parseCallParams(request.params);
    const name = params.name;
    const asTask = params.task !== undefined;
    core.throttle(principal, asTask ? 'create' : 'call');
    const tool = core.tools.get(name);
    // MCP tools: an unknown tool is -32602. tools/list already names every tool, so this reveals nothing.
    if (!tool) throw new GuardRpcError(ErrorCode.InvalidParams, `unknown tool: ${name}`);

    const requestedTtl = params.task?.ttlMs;
    const { decision, decisionId } = core.decide({
      op: asTask ? 'create' : 'call',
      principal,
      tool: name,
      ...(asTask ? { requestedTtlMs: requestedTtl ?? null } : {}),
    });
    if (!decision.allow) throw toolDenial(decision.reasons, decision.step_up, name);
    const args = parseArguments(tool, params.arguments);

    if (!asTask) {
      return runToolSafely(core, tool, args, { principal, signal: extra.signal, depth: 0 });
    }

    const key = idempotencyKeyOf(params.meta);
    const idempotency = key === undefined ? undefined : idempotencyFor(key, name, args, requestedTtl);
    const earlier = idempotency ? await heldBy(core, principal, idempotency) : undefined;
    if (earlier) {
      core.lifecycle('create_replayed', earlier, { principal, op: 'create', decisionId });
      return { task: toWireTask(earlier) };
    }
    const live = await core.store.countLive(ownerOf(principal), core.now());
    if (live >= core.limits.liveTasksPerPrincipal) throw taskLimitReached(core.limits.liveTasksPerPrincipal);
    const fresh = newRecord(core, principal, name, decision.ttl_ms as number, decision.poll_interval_ms ?? 1000, idempotency);
    const created = await core.store.create(fresh, core.leases?.claimForNewTask());
    if (!created.created) {
      // A concurrent retry with the same key stored its task between the look-up and this create.
      if (created.record.idempotency?.digest !== idempotency?.digest) throw idempotencyConflict();
      core.lifecycle('create_replayed', created.record, { principal, op: 'create', decisionId });
      return { task: toWireTask(created.record) };
    }
    const record = created.record;
    core.lifecycle('created', record, { principal, op: 'create', decisionId });
    startWorker(core, server, tool, args, principal, record);
    return { task: toWireTask(record) };
  };
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
function startWorker(core: GuardCore, server: McpServer, tool: GuardedTool, args: Record<string, unknown>, principal: Principal, record: TaskRecord): void {
  const controller = core.workers.start(record.id);
  core.workers.scheduleExpiry(record.id, record.expiresMs - core.now(), () => expireInBackground(core, record.id));
  const notify = (r: TaskRecord): void => {
    core.workers.changed(r.id);
    // Best effort (MCP: MAY); requestors poll regardless.
    server.server.notification({ method: 'notifications/tasks/status', params: toWireTask(r) }).catch(() => {});
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
    async requestInput(params) {
      controller.signal.throwIfAborted();
      const waiting = await core.store.transition(record.id, ['working'], { status: 'input_required', statusMessage: truncate(params.message, 1000) }, core.now());
      if (!waiting) throw new Error('task is not running');
      core.lifecycle('status', waiting);
      notify(waiting);
      const answer = await core.workers.awaitInput(record.id, params);
      const resumed = await core.store.transition(record.id, ['input_required'], { status: 'working', statusMessage: 'input received' }, core.now());
      if (!resumed) throw new Error('task is no longer waiting for input');
      core.lifecycle('status', resumed);
      notify(resumed);
      return answer;
    },
  };

  core.workers.track((async () => {
    let ending: Ending;
    try {
      const result = await runTool(core, tool, args, { principal, signal: controller.signal, task: control, depth: 0 });
      ending = result.isError
        ? { status: 'failed', statusMessage: TOOL_REPORTED_ERROR, outcome: { kind: 'result', result: result as Record<string, unknown> } }
        : { status: 'completed', outcome: { kind: 'result', result: result as Record<string, unknown> } };
    } catch (err) {
      ending = failure(err, controller.signal);
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

const TOOL_REPORTED_ERROR = 'the tool reported an error; tasks/result has its output';
const TOOL_FAILED = 'tool execution failed';

/**
 * A tool that threw. Stopped work says what stopped it (our own abort reasons are plain sentences, such as
 * the shutdown grace running out); a JSON-RPC error keeps its code and message; anything else is a tool bug
 * whose text may carry internals, so the requestor gets a generic line.
 */
function failure(err: unknown, signal: AbortSignal): Ending {
  if (signal.aborted && signal.reason instanceof Error) {
    const message = signal.reason.message;
    return { status: 'failed', statusMessage: message, outcome: { kind: 'error', code: ErrorCode.InternalError, message } };
  }
  if (err instanceof McpError || err instanceof GuardRpcError) {
    const message = wireMessage(err);
    return { status: 'failed', statusMessage: `the tool failed: ${message}`, outcome: { kind: 'error', code: err.code, message } };
  }
  return { status: 'failed', statusMessage: TOOL_FAILED, outcome: { kind: 'error', code: ErrorCode.InternalError, message: TOOL_FAILED } };
}

/**
 * The final transition of a finished worker: a store that blinks (a dropped connection, a failover) must not
 * leave the task `working` with nobody running it, so the write is retried for about ten seconds. Past
 * that the task is left to its TTL (and, on a leased store, to orphan recovery once this host is gone).
 */
async function settleWithRetries<T>(write: () => Promise<T>): Promise<T> {
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

async function runToolSafely(core: GuardCore, tool: GuardedTool, args: Record<string, unknown>, scope: Parameters<typeof runTool>[3]): Promise<CallToolResult> {
  try {
    return await runTool(core, tool, args, scope);
  } catch (err) {
    if (err instanceof McpError || err instanceof GuardRpcError) throw err;
    return { content: [{ type: 'text', text: TOOL_FAILED }], isError: true };
  }
}

/** Cuts at a code point boundary: half a surrogate pair would be a different string once stored. */
function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}
