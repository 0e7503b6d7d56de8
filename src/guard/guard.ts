import { randomBytes, randomUUID } from 'node:crypto';
import type { Decider } from '../decision/engine.js';
import { fixedPolicy, type PolicyHandle } from '../decision/policy-handle.js';
import { TaskguardError } from '../errors.js';
import type { Principal } from '../identity/principal.js';
import { MemoryTaskStore } from '../stores/memory.js';
import { isLeasedTaskStore, type TaskRecord, type TaskStore } from '../stores/types.js';
import type { GuardAuditSink } from './audit-port.js';
import { callTool, expireInBackground, type CallFacts, type CallOutcome } from './call-tool.js';
import { GuardCore, type GuardCoreDeps } from './core.js';
import type { Denial, GuardDenial } from './denials.js';
import { admitAnswer } from './input.js';
import { LeaseKeeper } from './leases.js';
import type { RateLimiter } from './rate-limit.js';
import type { GuardObserver } from './observer.js';
import { policyViewOf, type PolicyView } from './policy-view.js';
import type { ExtensionRequest } from './extension-request.js';
import { pollTask, type PolledTask } from './poll.js';
import { predecide, type RoutedRequest } from './predecide.js';
import type { Predecided } from './predecided.js';
import type { Predecision } from './predecision.js';
import { createRoundStateCodec } from './round-state.js';
import { callToolServerDirected, type ServerDirectedCallFacts, type ServerDirectedOutcome } from './server-directed-call.js';
import { cancelTask, getTask, listTasks, requestCancel, taskResult, type ResultFacts } from './task-ops.js';
import { updateTask } from './update.js';
import type { GuardedTool, GuardedToolConfig, ToolHandler, ToolResult } from './tools.js';

export interface GuardOptions {
  /**
   * The policy: a fixed Decider, or a PolicyHandle whose snapshot can be replaced while the guard runs
   * (activation/: file watch, SIGHUP, a bundle service). Limits and task support follow the handle.
   */
  decider: Decider | PolicyHandle;
  /** Watch every decision and refusal (decision logs, metrics, shadow policies); see GuardObserver. */
  observers?: readonly GuardObserver[];
  store?: TaskStore;
  audit?: GuardAuditSink;
  /** Defaults to Date.now; tests may pin it. */
  now?: () => number;
  /**
   * Key for tasks/list cursors and (a key derived from it) the request states of plain calls' input rounds;
   * random per process unless hosts share tasks and must accept each other's.
   */
  cursorSecret?: Uint8Array;
  /** How often expired tasks are swept (each timer already expires its own task); default 1000 ms. */
  sweepIntervalMs?: number;
  /**
   * With a LeasedTaskStore (SQLite, PostgreSQL): how long this host's claim on its running tasks lasts
   * without renewal (renewed every third of it, at least every 2 s). A task of a host silent this long is
   * failed as an orphan; a cancel through another host stops the work here when the store tells of it
   * (PostgreSQL: LISTEN/NOTIFY), or else at the next renewal. Default 15000 ms.
   */
  leaseMs?: number;
  /** This host's name in leases; default a random UUID per process (a restarted host is a new instance). */
  instanceId?: string;
  /** With a LeasedTaskStore: how often a waiting tasks/result re-reads the record; default 500 ms. */
  changePollMs?: number;
  /** Told about lease and store trouble that has no request to fail (the sweeper, renewals). */
  onBackgroundError?: (err: Error) => void;
  /**
   * Told about each local failure while serving a request (a store down, a file unreadable), with the
   * correlation id the client was given and the audit record carries. The client learns nothing else.
   */
  onLocalError?: (err: Error, correlationId: string) => void;
  /**
   * Builds the per-principal rate limiter from the policy's operations_per_minute (later activations reach
   * it through setRate). Default: per process, so N hosts give a principal N times its limit; hosts sharing
   * PostgreSQL pass createSharedRateLimiter (shared-rate-limit.ts) to hold it across them.
   */
  rateLimiter?: (perMinute: number) => RateLimiter;
  /** How a wire records a refusal as a task's error outcome (see GuardCoreDeps). */
  errorOutcome: GuardCoreDeps['errorOutcome'];
}

/**
 * The task guard with no wire: every task operation as a function of the verified Principal and plain
 * request facts, returning an outcome or throwing a GuardDenial. Wire adapters (src/wire/) translate.
 */
export interface Guard {
  readonly store: TaskStore;
  /** The typed view of the active policy data. */
  readonly policy: PolicyView;
  /** This host's instance id in leases (undefined when the store does not lease). */
  readonly instanceId: string | undefined;
  registerTool(name: string, config: GuardedToolConfig, handler: ToolHandler): void;
  tools(): Iterable<GuardedTool>;
  /** Called for each tool registered from now on (wires advertise it on servers already attached). */
  onToolRegistered(listener: (tool: GuardedTool) => void): void;
  /**
   * Called after each policy activation with the new policy's view (wires re-advertise task support and
   * tell sessions their tool list changed). Returns the unsubscribe.
   */
  onPolicyActivated(listener: (view: PolicyView, previous: PolicyView) => void): () => void;
  /** The revisions of the active policy snapshot. */
  readonly policyRevision: { readonly policy: string; readonly data: string };

  callTool(principal: Principal, facts: CallFacts): Promise<CallOutcome>;
  getTask(principal: Principal, taskId: string, predecided?: Predecided): Promise<{ record: TaskRecord; pollIntervalMs: number }>;
  cancelTask(principal: Principal, taskId: string, predecided?: Predecided): Promise<TaskRecord>;
  taskResult(principal: Principal, taskId: string, facts: ResultFacts): Promise<{ record: TaskRecord; result: ToolResult }>;
  listTasks(principal: Principal, cursor: string | undefined): Promise<{ records: TaskRecord[]; nextCursor?: string }>;
  /** Whether an answer to task `taskId`'s question, sent by `principal`, may reach it (decided as input). */
  admitAnswer(taskId: string, principal: Principal | undefined): Promise<boolean>;

  // 2026-07-28, the tasks extension: the server decides what becomes a task, and tasks/get inlines what a
  // status carries. The task ids and the facts are as the request sent them; the guard checks them.
  /** tools/call: decided as `create` or `call` by the tool's task support and the request's capability. */
  callToolServerDirected(principal: Principal, facts: ServerDirectedCallFacts): Promise<ServerDirectedOutcome>;
  /** tasks/get: the task with its question, result or error (each decided too). */
  pollTask(principal: Principal, taskId: unknown, request: ExtensionRequest): Promise<PolledTask>;
  /** tasks/update: answers to the task's questions, by key, decided as `input` on arrival. */
  updateTask(principal: Principal, taskId: unknown, responses: Readonly<Record<string, unknown>>, request: ExtensionRequest): Promise<void>;
  /** tasks/cancel: acknowledged, and the work stopped. */
  requestCancel(principal: Principal, taskId: unknown, request: ExtensionRequest): Promise<void>;

  /** For a transport that challenges at its own layer: see predecide. */
  predecide(principal: Principal, request: RoutedRequest): Promise<Predecision>;
  /** A local failure while serving a request: audited, reported, and returned as an `internal` denial. */
  localFailure(err: unknown, context: Parameters<GuardCore['localFailure']>[1]): GuardDenial;
  /** The JSON-RPC code and message this guard records for a refusal that ends a task. */
  errorOutcome(denial: Denial): { code: number; message: string };

  /** Tasks whose tool is still running in this process. */
  running(): number;
  /** Resolves after the first lease pass (startup orphan recovery); immediately without leases. */
  ready(): Promise<void>;
  /** Stops every running task (their records stay, failed with SHUTDOWN_MESSAGE), the sweeper and the timers. */
  close(): void;
  /** After close(): waits up to `limitMs` for stopped tasks to record their final status and for sweeps and lease passes in flight. */
  drained(limitMs: number): Promise<void>;
}

/** What a task stopped by shutdown says, as its statusMessage and its result's error. */
export const SHUTDOWN_MESSAGE = 'the server shut down before the task finished';

const SWEEP_BATCH = 500;
/** Lease passes run every third of the lease, and at least this often. */
const LEASE_PASS_MAX_MS = 2000;

export function createGuard(options: GuardOptions): Guard {
  const store = options.store ?? new MemoryTaskStore();
  const now = options.now ?? Date.now;
  const tools = new Map<string, GuardedTool>();
  const registered = new Set<(tool: GuardedTool) => void>();
  const leased = isLeasedTaskStore(store) ? store : undefined;
  const leaseMs = options.leaseMs ?? 15_000;
  const instanceId = leased ? options.instanceId ?? randomUUID() : undefined;
  const handle = isPolicyHandle(options.decider) ? options.decider : fixedPolicy(options.decider);
  const core = new GuardCore({
    policy: handle,
    observers: options.observers ?? [], store, audit: options.audit, now, tools,
    cursorSecret: options.cursorSecret ?? randomBytes(32),
    lease: instanceId !== undefined ? { instanceId, leaseMs, changePollMs: options.changePollMs ?? 500 } : undefined,
    onLocalError: options.onLocalError,
    errorOutcome: options.errorOutcome,
    rateLimiter: options.rateLimiter,
  });
  // Request states of plain calls' input rounds: hosts that share cursors share these too.
  const rounds = createRoundStateCodec(options.cursorSecret);
  const reportError = (err: unknown): void => options.onBackgroundError?.(err instanceof Error ? err : new Error(String(err)));

  // Sweeps and lease passes in flight: shutdown waits for them, so the store is not closed under them.
  const background = new Set<Promise<void>>();
  let closed = false;
  const inBackground = (work: () => Promise<void>): Promise<void> => {
    if (closed) return Promise.resolve();
    const running = work().catch(reportError).finally(() => background.delete(running));
    background.add(running);
    return running;
  };

  const sweeper = setInterval(() => {
    void inBackground(async () => {
      for (const id of await store.expired(now(), SWEEP_BATCH)) expireInBackground(core, id);
    });
  }, options.sweepIntervalMs ?? 1000);
  sweeper.unref();

  let leaseTimer: NodeJS.Timeout | undefined;
  let stopWatchingCancels: (() => Promise<void>) | undefined;
  let firstPass: Promise<void> = Promise.resolve();
  if (leased && instanceId !== undefined) {
    const keeper = new LeaseKeeper(core, leased, instanceId, leaseMs);
    // A cancel through another host stops the work here when the store tells of it; the pass remains the backstop.
    stopWatchingCancels = keeper.watchCancels(reportError);
    let passing = false;
    const pass = (): Promise<void> => {
      if (passing) return Promise.resolve(); // a slow store: never pile passes up
      passing = true;
      return inBackground(async () => {
        try {
          await keeper.pass();
        } finally {
          passing = false;
        }
      });
    };
    firstPass = pass();
    // A pass is one renewal and one orphan query per host: cheap enough to run often, and how often it runs
    // is how soon a cancel through another host stops the work here.
    leaseTimer = setInterval(() => void pass(), Math.max(50, Math.min(LEASE_PASS_MAX_MS, Math.floor(leaseMs / 3))));
    leaseTimer.unref();
  }

  return {
    store,
    instanceId,
    get policy() {
      return core.policy;
    },
    get policyRevision() {
      const { revision, dataRevision } = handle.current();
      return { policy: revision, data: dataRevision };
    },
    onPolicyActivated: (listener) => handle.onActivate((next, previous) => listener(policyViewOf(next.data), policyViewOf(previous.data))),
    registerTool(name, config, handler) {
      if (tools.has(name)) throw new TaskguardError('usage', `tool ${name} is already registered`);
      const tool: GuardedTool = { name, config, handler };
      tools.set(name, tool);
      for (const listener of registered) listener(tool);
    },
    tools: () => tools.values(),
    onToolRegistered: (listener) => void registered.add(listener),
    callTool: (principal, facts) => callTool(core, principal, facts),
    getTask: (principal, taskId, predecided) => getTask(core, principal, taskId, predecided),
    cancelTask: (principal, taskId, predecided) => cancelTask(core, principal, taskId, predecided),
    taskResult: (principal, taskId, facts) => taskResult(core, principal, taskId, facts),
    listTasks: (principal, cursor) => listTasks(core, principal, cursor),
    admitAnswer: (taskId, principal) => admitAnswer(core, taskId, principal),
    callToolServerDirected: (principal, facts) => callToolServerDirected(core, rounds, principal, facts),
    pollTask: (principal, taskId, request) => pollTask(core, principal, taskId, request),
    updateTask: (principal, taskId, responses, request) => updateTask(core, principal, taskId, responses, request),
    requestCancel: (principal, taskId, request) => requestCancel(core, principal, taskId, request),
    predecide: (principal, request) => predecide(core, principal, request),
    localFailure: (err, context) => core.localFailure(err, context),
    errorOutcome: (denial) => core.errorOutcome(denial),
    ready: () => firstPass,
    running: () => core.workers.running(),
    async drained(limitMs) {
      const until = Date.now() + limitMs;
      await core.workers.drained(limitMs);
      let timer: NodeJS.Timeout | undefined;
      const limit = new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, until - Date.now()))));
      await Promise.race([Promise.allSettled([...background]), limit]);
      clearTimeout(timer);
    },
    close() {
      closed = true;
      clearInterval(sweeper);
      clearInterval(leaseTimer);
      void stopWatchingCancels?.().catch(reportError);
      core.workers.stopAll(SHUTDOWN_MESSAGE);
    },
  };
}

function isPolicyHandle(policy: Decider | PolicyHandle): policy is PolicyHandle {
  return typeof (policy as Partial<PolicyHandle>).current === 'function';
}
