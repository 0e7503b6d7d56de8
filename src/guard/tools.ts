import type { z } from 'zod';
import type { Principal } from '../identity/principal.js';
import type { InputRounds, RoundState } from './rounds.js';

/**
 * A tool's result, as MCP's CallToolResult has it. Declared here so the guard needs no MCP SDK: any SDK's
 * CallToolResult is assignable to it, and the wire adapters hand it back to their SDK unchanged.
 */
export interface ToolResult {
  content: Array<{ type: string; [key: string]: unknown }>;
  structuredContent?: Record<string, unknown> | undefined;
  isError?: boolean | undefined;
  _meta?: Record<string, unknown> | undefined;
  [key: string]: unknown;
}

/** A question a task asks its requestor mid-run: a message and the JSON Schema of the answer's content. */
export interface InputQuestion {
  message: string;
  requestedSchema: { type: 'object'; properties: Record<string, unknown>; required?: string[] | undefined; [key: string]: unknown };
}

/** The requestor's answer, as MCP's ElicitResult has it. */
export interface InputAnswer {
  action: 'accept' | 'decline' | 'cancel';
  content?: Record<string, unknown> | undefined;
  [key: string]: unknown;
}

/** What a guarded tool's handler gets besides its arguments. */
export interface ToolContext {
  /** The verified caller (for a task: its creator). Carries no token. */
  principal: Principal;
  /** Aborted when the call is cancelled, the task is cancelled, or the task expires. */
  signal: AbortSignal;
  /** Present when the tool runs as a task. */
  task?: TaskControl;
  /**
   * Calls another guarded tool from inside this one. Inside a task this is decided as `chain` against the
   * task's creation scope before the downstream tool runs; outside a task, as a plain `call`.
   */
  callTool(name: string, args?: Record<string, unknown>): Promise<ToolResult>;
  /** Present on a plain call whose wire can reach the caller while it waits (not inside a task). */
  peer?: CallPeer;
  /**
   * Present on a plain 2026-07-28 call, whose wire cannot reach the caller mid-call: input is asked for by
   * ending the round (rounds.ask), and the client retries with the answers (MRTR).
   */
  rounds?: InputRounds;
  /** For a task of a tool that gathers input first (GuardedToolConfig.gather): what gathering returned. */
  gathered?: RoundState;
}

/**
 * The caller of a plain call, on that call's own stream: it is the principal the call was decided for, so
 * what goes to it (progress, a question) reaches no one else.
 */
export interface CallPeer {
  /** Reports progress if the caller asked for it (a progress token); does nothing otherwise. */
  progress(progress: number, total?: number, message?: string): Promise<void>;
  /**
   * Asks the caller (sampling/createMessage or elicitation/create, as MCP has them) and returns its result.
   * On 2026-07-28 it rejects: that stateless revision carries no server-to-client request, and a tool asks
   * in rounds (ToolContext.rounds) instead.
   */
  request(method: 'sampling/createMessage' | 'elicitation/create', params: Record<string, unknown>): Promise<Record<string, unknown>>;
}

export interface TaskControl {
  readonly id: string;
  /** Updates the task's statusMessage (visible through tasks/get) and notifies the requestor. */
  setStatusMessage(message: string): Promise<void>;
  /**
   * Asks the requestor for input mid-task: the task moves to input_required, the question is delivered to a
   * requestor the policy lets answer (an `input` decision), and the task returns to working with the answer
   * (itself decided as `input` when it arrives). Rejects if the task is cancelled or expires meanwhile.
   */
  requestInput(question: InputQuestion): Promise<InputAnswer>;
}

export type ToolHandler = (args: Record<string, unknown>, ctx: ToolContext) => Promise<ToolResult>;

export interface GuardedToolConfig {
  title?: string;
  description?: string;
  /** A zod object shape, as McpServer.registerTool takes it. */
  inputSchema?: z.ZodRawShape;
  /** MCP tool annotations, passed to tools/list as they are. */
  annotations?: Record<string, unknown>;
  /**
   * Input the tool gathers before it becomes a task. On 2026-07-28 a call that is to become a task runs it
   * first, in rounds (rounds.ask, each retry decided as `input`), and the task is created (decided as
   * `create` then) only once it returns; the extension says a server SHOULD resolve such rounds before its
   * CreateTaskResult. On 2025-11-25, where the client asked for the task itself, it runs inside the task,
   * its elicitation requests becoming the task's questions. Either way the handler gets the result as
   * ctx.gathered. A plain call does not run it (its handler asks in rounds itself).
   */
  gather?: GatherInput;
}

export type GatherInput = (args: Record<string, unknown>, rounds: InputRounds) => RoundState | Promise<RoundState>;

export interface GuardedTool {
  name: string;
  config: GuardedToolConfig;
  handler: ToolHandler;
}
