import { randomBytes, randomUUID } from 'node:crypto';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { Protocol } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { Decider } from '../decision/engine.js';
import type { StepUpObligation } from '../decision/types.js';
import { preflightStepUp } from './preflight.js';
import { looseRequestSchema } from './params.js';
import { screenAnswers } from './answers.js';
import { isRecord } from '../decision/parse.js';
import { TaskguardError } from '../errors.js';
import { MemoryTaskStore } from '../stores/memory.js';
import { isLeasedTaskStore, type TaskStore } from '../stores/types.js';
import { LeaseKeeper } from './leases.js';
import type { GuardAuditSink } from './audit-port.js';
import { createCallToolHandler, expireInBackground } from './call-handler.js';
import { GuardCore, type GuardLimits } from './core.js';
import { createCursorCodec } from './cursor.js';
import { createRateLimiter } from './rate-limit.js';
import { createCancelHandler, createGetHandler, createListHandler, createResultHandler } from './task-handlers.js';
import type { GuardedTool, GuardedToolConfig, ToolHandler } from './tools.js';
import { Workers } from './workers.js';

export interface TaskguardOptions {
  decider: Decider;
  store?: TaskStore;
  audit?: GuardAuditSink;
  /** Defaults to Date.now; tests may pin it. */
  now?: () => number;
  /** Key for tasks/list cursors; random per process unless hosts share tasks and must accept each other's. */
  cursorSecret?: Uint8Array;
  /** How often expired tasks are swept (each timer already expires its own task); default 1000 ms. */
  sweepIntervalMs?: number;
  /**
   * With a LeasedTaskStore (SQLite, PostgreSQL): how long this host's claim on its running tasks lasts
   * without renewal (renewed every third of it, at least every 2 s). A task of a host silent this long is
   * failed as an orphan; a cancel through another host stops the work here at the next renewal. Default
   * 15000 ms.
   */
  leaseMs?: number;
  /** This host's name in leases; default a random UUID per process (a restarted host is a new instance). */
  instanceId?: string;
  /** With a LeasedTaskStore: how often a waiting tasks/result re-reads the record; default 500 ms. */
  changePollMs?: number;
  /** Told about lease and store trouble that has no request to fail (the sweeper, renewals). */
  onBackgroundError?: (err: Error) => void;
}

export interface Taskguard {
  /** Registers a tool on every attached server (present and future); its eligibility comes from policy data. */
  registerTool(name: string, config: GuardedToolConfig, handler: ToolHandler): void;
  /**
   * Takes over tools/call and tasks/get|result|list|cancel on `server` and declares the tasks capability.
   * Call before server.connect(). All of the server's tools must be registered through taskguard.
   */
  attach(server: McpServer): void;
  readonly store: TaskStore;
  /**
   * For transports that can challenge at their own layer (HTTP 401, RFC 9470): decides `message` without side
   * effects and returns the step-up obligation when that is the answer (that decision is then audited).
   */
  preflightStepUp(message: unknown, authInfo: AuthInfo | undefined): Promise<StepUpObligation | undefined>;
  /** Tasks whose tool is still running in this process. */
  running(): number;
  /** This host's instance id in leases (undefined when the store does not lease). */
  readonly instanceId: string | undefined;
  /** Resolves after the first lease pass (startup orphan recovery); immediately without leases. */
  ready(): Promise<void>;
  /** Stops every running task (their records stay), the sweeper and the timers. */
  close(): void;
  /** After close(): waits up to `limitMs` for stopped tasks to record their final status and for sweeps and lease passes in flight. */
  drained(limitMs: number): Promise<void>;
}

const SWEEP_BATCH = 500;
/** What a task stopped by shutdown says, as its statusMessage and its result's error. */
export const SHUTDOWN_MESSAGE = 'the server shut down before the task finished';
/** Lease passes run every third of the lease, and at least this often. */
const LEASE_PASS_MAX_MS = 2000;

export function createTaskguard(options: TaskguardOptions): Taskguard {
  const store = options.store ?? new MemoryTaskStore();
  const now = options.now ?? Date.now;
  const limits = readLimits(options.decider.data);
  const tools = new Map<string, GuardedTool>();
  const core = new GuardCore(options.decider, store, options.audit, now, tools, new Workers(),
    createRateLimiter(limits.operationsPerMinute), createCursorCodec(options.cursorSecret ?? randomBytes(32)), limits);
  const servers: McpServer[] = [];
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
  let firstPass: Promise<void> = Promise.resolve();
  if (isLeasedTaskStore(store)) {
    const leaseMs = options.leaseMs ?? 15_000;
    core.leases = new LeaseKeeper(core, store, options.instanceId ?? randomUUID(), leaseMs);
    core.changePollMs = options.changePollMs ?? 500;
    const keeper = core.leases;
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

  const advertise = (server: McpServer, tool: GuardedTool): void => {
    const registered = server.registerTool(tool.name, {
      ...(tool.config.title !== undefined ? { title: tool.config.title } : {}),
      ...(tool.config.description !== undefined ? { description: tool.config.description } : {}),
      ...(tool.config.inputSchema !== undefined ? { inputSchema: tool.config.inputSchema } : {}),
      ...(tool.config.annotations !== undefined ? { annotations: tool.config.annotations } : {}),
    }, () => {
      // Never reached: taskguard's tools/call handler replaces McpServer's.
      throw new TaskguardError('usage', `tool ${tool.name} was called around the guard`);
    });
    // tools/list tells clients what policy data says, so they ask for tasks only where they may.
    registered.execution = { taskSupport: taskSupportOf(options.decider.data, tool.name) };
  };

  return {
    store,
    instanceId: core.leases?.instanceId,
    ready: () => firstPass,
    running: () => core.workers.running(),
    preflightStepUp: (message, authInfo) => preflightStepUp(core, message, authInfo),
    registerTool(name, config, handler) {
      if (tools.has(name)) throw new TaskguardError('usage', `tool ${name} is already registered`);
      const tool: GuardedTool = { name, config, handler };
      tools.set(name, tool);
      for (const server of servers) advertise(server, tool);
    },
    attach(server) {
      if (servers.includes(server)) return;
      // McpServer sets up tools/list on its first registerTool; with none yet, it would later refuse to.
      if (tools.size === 0) throw new TaskguardError('usage', 'register the tools before attaching a server');
      for (const tool of tools.values()) advertise(server, tool);
      const low = server.server;
      low.registerCapabilities({ tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } });
      // McpServer installs its own tools/call when the first tool is registered; replace it with the guard's.
      // Loose schemas: the handlers read params themselves, so a client mistake is -32602 with one plain line,
      // never the SDK's -32603 (or its -32602) carrying a zod dump. Protocol's own registration is used because
      // Server's re-parses tools/call with the SDK's schema before our handler runs.
      const handle = (method: string, handler: unknown): void =>
        Protocol.prototype.setRequestHandler.call(low, looseRequestSchema(method), handler as never);
      handle('tools/call', createCallToolHandler(core, server));
      handle('tasks/get', createGetHandler(core));
      handle('tasks/result', createResultHandler(core));
      handle('tasks/list', createListHandler(core));
      handle('tasks/cancel', createCancelHandler(core));
      // Answers to elicitations arrive as responses, which the SDK routes without any handler of ours: screen
      // them on the transport once Protocol.connect has installed its own message handler.
      const connect = low.connect.bind(low);
      low.connect = async (transport) => {
        await connect(transport);
        screenAnswers(core, transport);
      };
      servers.push(server);
    },
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
      core.workers.stopAll(SHUTDOWN_MESSAGE);
    },
  };
}

function taskSupportOf(data: Readonly<Record<string, unknown>>, tool: string): 'required' | 'optional' | 'forbidden' {
  const tools = data['tools'];
  const entry = isRecord(tools) ? tools[tool] : undefined;
  const support = isRecord(entry) ? entry['task_support'] : undefined;
  return support === 'required' || support === 'optional' ? support : 'forbidden';
}

function readLimits(data: Readonly<Record<string, unknown>>): GuardLimits {
  const limits = isRecord(data['limits']) ? data['limits'] : {};
  const num = (v: unknown, fallback: number): number => (typeof v === 'number' && v > 0 ? v : fallback);
  return {
    operationsPerMinute: num(limits['operations_per_minute'], 600),
    liveTasksPerPrincipal: num(limits['live_tasks_per_principal'], 20),
  };
}
