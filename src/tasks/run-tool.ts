import { ErrorCode, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { Principal } from '../identity/principal.js';
import type { GuardCore } from './core.js';
import { accessDenied, GuardRpcError, methodNotFound, stepUpRequired } from './rpc-errors.js';
import type { GuardedTool, TaskControl, ToolContext } from './tools.js';
import { NO_OUTCOME } from '../stores/types.js';

/** One compiled schema per tool: zod compiles a parser per z.object, which is costly on every call. */
const schemas = new WeakMap<GuardedTool, z.ZodObject<z.ZodRawShape>>();

/** Validates arguments against the tool's zod shape; a bad argument is -32602 and runs nothing. */
export function parseArguments(tool: GuardedTool, args: unknown): Record<string, unknown> {
  if (!tool.config.inputSchema) return {};
  let schema = schemas.get(tool);
  if (!schema) {
    schema = z.object(tool.config.inputSchema);
    schemas.set(tool, schema);
  }
  const parsed = schema.safeParse(args ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'arguments';
    throw new GuardRpcError(ErrorCode.InvalidParams, `invalid arguments for tool ${tool.name}: ${where}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** Maps a denied create / call / chain to its answer: -32601 for task-support mismatches (the MCP rule). */
export function toolDenial(reasons: readonly string[], stepUp: Parameters<typeof stepUpRequired>[0] | undefined, tool: string): GuardRpcError {
  if (reasons.includes('task_forbidden')) return methodNotFound(`tool ${tool} cannot run as a task`);
  if (reasons.includes('task_required')) return methodNotFound(`tool ${tool} must run as a task`);
  if (reasons.includes('step_up_required') && stepUp) return stepUpRequired(stepUp);
  return accessDenied(reasons);
}

/**
 * Runs a guarded tool's handler with a context whose callTool is itself guarded: inside a task every nested
 * call is decided as `chain` against the task's record (its creation scopes), outside one as `call`.
 */
export async function runTool(core: GuardCore, tool: GuardedTool, args: Record<string, unknown>, scope: RunScope): Promise<CallToolResult> {
  const ctx: ToolContext = {
    principal: scope.principal,
    signal: scope.signal,
    ...(scope.task ? { task: scope.task } : {}),
    callTool: (name, nestedArgs) => callNested(core, name, nestedArgs ?? {}, scope),
  };
  return tool.handler(args, ctx);
}

export interface RunScope {
  principal: Principal;
  signal: AbortSignal;
  /** The task this work belongs to, if any, and how deep in its chain we are (the task's own tool is 0). */
  task?: TaskControl;
  depth: number;
}

async function callNested(core: GuardCore, name: string, args: Record<string, unknown>, scope: RunScope): Promise<CallToolResult> {
  scope.signal.throwIfAborted();
  const tool = core.tools.get(name);
  if (scope.task) {
    // Read the record afresh: a chain must see the task's current status, and a task that is gone chains nothing.
    const record = await core.store.get(scope.task.id, NO_OUTCOME);
    const { decision } = core.decide({ op: 'chain', principal: scope.principal, ...(record ? { task: record } : {}), chain: { tool: name, depth: scope.depth + 1 } });
    if (!decision.allow || !tool) throw accessDenied(decision.allow ? ['unknown_tool'] : decision.reasons);
  } else {
    const { decision } = core.decide({ op: 'call', principal: scope.principal, tool: name });
    if (!decision.allow || !tool) throw toolDenial(decision.allow ? ['unknown_tool'] : decision.reasons, decision.step_up, name);
  }
  const parsed = parseArguments(tool, args);
  return runTool(core, tool, parsed, { ...scope, depth: scope.depth + 1 });
}
