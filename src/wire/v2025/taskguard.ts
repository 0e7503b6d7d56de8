import type { McpServer, RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { Protocol } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { TaskguardError } from '../../errors.js';
import { createGuard, type Guard, type GuardOptions } from '../../guard/guard.js';
import type { GuardedTool, GuardedToolConfig, ToolHandler } from '../../guard/tools.js';
import type { TaskStore } from '../../stores/types.js';
import { rpcErrorOf } from '../rpc-errors.js';
import { AskedQuestions, screenAnswers } from './answers.js';
import { directAnswerer, type DirectAnswerer } from './direct.js';
import { looseRequestSchema } from './params.js';
import { preflight, type Preflight } from './preflight.js';
import { handlerFor, ROUTES, type WireContext } from './routes.js';
import { plainParamErrors } from './sdk-param-errors.js';

export type TaskguardOptions = Omit<GuardOptions, 'errorOutcome'>;

/** The guard on the 2025-11-25 wire (`@modelcontextprotocol/sdk` 1.x McpServer). */
export interface Taskguard {
  /** The wire-free guard underneath, for other wires sharing its store, policy and audit log. */
  readonly guard: Guard;
  /** Registers a tool on every attached server (present and future); its eligibility comes from policy data. */
  registerTool(name: string, config: GuardedToolConfig, handler: ToolHandler): void;
  /**
   * Takes over tools/call and tasks/get|result|list|cancel on `server` and declares the tasks capability.
   * Call before server.connect(). All of the server's tools must be registered through taskguard.
   */
  attach(server: McpServer): void;
  readonly store: TaskStore;
  /**
   * For transports that can challenge at their own layer (HTTP 401, RFC 9470): decides `message` as its
   * handler would, through the same audited path, and says whether the answer is step-up; otherwise hands
   * back the AuthInfo to pass the request on with, which carries that decision so it is not taken twice.
   */
  preflight(message: unknown, authInfo: AuthInfo): Promise<Preflight>;
  /**
   * For an HTTP host, after its session checks and preflight: answers a plain tasks/get, tasks/list or
   * tasks/cancel itself, exactly as the attached server's handler would (see direct.ts); undefined for any
   * other message, which goes to the session's transport.
   */
  readonly answer: DirectAnswerer;
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

export function createTaskguard(options: TaskguardOptions): Taskguard {
  const guard = createGuard({ ...options, errorOutcome: (denial) => rpcErrorOf(denial) });
  /**
   * Servers attached and not yet closed, with the tools advertised on each: a tool registered later is
   * advertised on them too, and a policy activation updates each tool's task support on all of them.
   */
  const servers = new Map<McpServer, Map<string, RegisteredTool>>();

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
    registered.execution = { taskSupport: guard.policy.taskSupport(tool.name) };
    servers.get(server)?.set(tool.name, registered);
  };
  guard.onToolRegistered((tool) => {
    for (const server of servers.keys()) advertise(server, tool);
  });
  // A new policy may move a tool between required, optional and forbidden: every session's tools/list
  // follows, and sessions that listen hear notifications/tools/list_changed (only when something moved).
  guard.onPolicyActivated((view, previous) => {
    const moved = [...guard.tools()].filter((t) => view.taskSupport(t.name) !== previous.taskSupport(t.name));
    if (moved.length === 0) return;
    for (const [server, registered] of servers) {
      for (const tool of moved) {
        const entry = registered.get(tool.name);
        if (entry) entry.execution = { taskSupport: view.taskSupport(tool.name) };
      }
      server.sendToolListChanged();
    }
  });

  return {
    guard,
    store: guard.store,
    instanceId: guard.instanceId,
    ready: () => guard.ready(),
    running: () => guard.running(),
    close: () => guard.close(),
    drained: (limitMs) => guard.drained(limitMs),
    preflight: (message, authInfo) => preflight(guard, message, authInfo),
    answer: directAnswerer(guard),
    registerTool: (name, config, handler) => guard.registerTool(name, config, handler),
    attach(server) {
      if (servers.has(server)) return;
      const tools = [...guard.tools()];
      // McpServer sets up tools/list on its first registerTool; with none yet, it would later refuse to.
      if (tools.length === 0) throw new TaskguardError('usage', 'register the tools before attaching a server');
      servers.set(server, new Map());
      for (const tool of tools) advertise(server, tool);
      const low = server.server;
      low.registerCapabilities({ tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } });
      const ctx: WireContext = { guard, server, asked: new AskedQuestions() };
      // Loose schemas: the handlers read params themselves, so a client mistake is -32602 with one plain line,
      // never the SDK's -32603 (or its -32602) carrying a zod dump. Protocol's own registration is used because
      // Server's re-parses tools/call with the SDK's schema before our handler runs. This also replaces the
      // tools/call McpServer installed with its first tool.
      for (const [method, r] of Object.entries(ROUTES)) {
        Protocol.prototype.setRequestHandler.call(low, looseRequestSchema(method), handlerFor(ctx, r) as never);
      }
      // Answers to questions arrive as responses, which the SDK routes without any handler of ours: screen
      // them on the transport once Protocol.connect has installed its own message handler.
      const connect = low.connect.bind(low);
      low.connect = async (transport) => {
        // Handlers the SDK registered until now (initialize, ping, tools/list) answer param mistakes plainly.
        plainParamErrors(low);
        await connect(transport);
        screenAnswers(guard, transport, ctx.asked);
      };
      // A closed server (its session ended) is forgotten, so sessions that come and go leave nothing here.
      const onclose = low.onclose;
      low.onclose = () => {
        servers.delete(server);
        onclose?.();
      };
    },
  };
}
