import type { CallToolResult, ElicitRequestFormParams, ElicitResult, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import type { Principal } from '../identity/principal.js';

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
  callTool(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
}

export interface TaskControl {
  readonly id: string;
  /** Updates the task's statusMessage (visible through tasks/get) and notifies the requestor. */
  setStatusMessage(message: string): Promise<void>;
  /**
   * Asks the requestor for input mid-task: the task moves to input_required, the elicitation is delivered on
   * the requestor's next tasks/result (after an `input` decision), and the task returns to working with the
   * answer. Rejects if the task is cancelled or expires meanwhile.
   */
  requestInput(params: Omit<ElicitRequestFormParams, 'mode'>): Promise<ElicitResult>;
}

export type ToolHandler = (args: Record<string, unknown>, ctx: ToolContext) => Promise<CallToolResult>;

export interface GuardedToolConfig {
  title?: string;
  description?: string;
  /** A zod object shape, as McpServer.registerTool takes it. */
  inputSchema?: z.ZodRawShape;
  annotations?: ToolAnnotations;
}

export interface GuardedTool {
  name: string;
  config: GuardedToolConfig;
  handler: ToolHandler;
}
