import { z } from 'zod';
import type { Principal } from '../identity/principal.js';
import { NO_OUTCOME } from '../stores/types.js';
import type { GuardCore } from './core.js';
import { denialOf } from './decision-denials.js';
import { accessDenied, invalidParams } from './denials.js';
import type { InputRounds, RoundState } from './rounds.js';
import type { CallPeer, GuardedTool, TaskControl, ToolContext, ToolResult } from './tools.js';

/** One compiled schema per tool: zod compiles a parser per z.object, which is costly on every call. */
const schemas = new WeakMap<GuardedTool, z.ZodObject<z.ZodRawShape>>();

/** Validates arguments against the tool's zod shape; a bad argument is invalid params and runs nothing. */
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
    throw invalidParams(`invalid arguments for tool ${tool.name}: ${where}: ${oneLine(issue?.message ?? 'invalid')}`);
  }
  return parsed.data;
}

export interface RunScope {
  principal: Principal;
  signal: AbortSignal;
  /** The task this work belongs to, if any, and how deep in its chain we are (the task's own tool is 0). */
  task?: TaskControl;
  depth: number;
  /** The caller of a plain call; a nested call's handler gets none (the caller asked for the outer tool). */
  peer?: CallPeer | undefined;
  /** The rounds of a plain 2026-07-28 call; a nested call's handler gets none, like the peer. */
  rounds?: InputRounds | undefined;
  /** What the tool gathered before its task (GuardedToolConfig.gather); a nested call's handler gets none. */
  gathered?: RoundState | undefined;
}

/**
 * Runs a guarded tool's handler with a context whose callTool is itself guarded: inside a task every nested
 * call is decided as `chain` against the task's record (its creation scopes), outside one as `call`.
 */
export async function runTool(core: GuardCore, tool: GuardedTool, args: Record<string, unknown>, scope: RunScope): Promise<ToolResult> {
  const ctx: ToolContext = {
    principal: scope.principal,
    signal: scope.signal,
    ...(scope.task ? { task: scope.task } : {}),
    callTool: (name, nestedArgs) => callNested(core, name, nestedArgs ?? {}, { ...scope, peer: undefined, rounds: undefined, gathered: undefined }),
    ...(scope.peer ? { peer: scope.peer } : {}),
    ...(scope.rounds ? { rounds: scope.rounds } : {}),
    ...(scope.gathered !== undefined ? { gathered: scope.gathered } : {}),
  };
  return tool.handler(args, ctx);
}

async function callNested(core: GuardCore, name: string, args: Record<string, unknown>, scope: RunScope): Promise<ToolResult> {
  scope.signal.throwIfAborted();
  const tool = core.tools.get(name);
  if (scope.task) {
    // Read the record afresh: a chain must see the task's current status, and a task that is gone chains nothing.
    const record = await core.store.get(scope.task.id, NO_OUTCOME);
    const { decision } = core.decide({ op: 'chain', principal: scope.principal, ...(record ? { task: record } : {}), chain: { tool: name, depth: scope.depth + 1 } });
    if (!decision.allow) throw accessDenied(decision.reasons);
    if (!tool) throw accessDenied(['unknown_tool']);
  } else {
    const { decision } = core.decide({ op: 'call', principal: scope.principal, tool: name });
    if (!decision.allow) throw denialOf('call', decision, { tool: name });
    if (!tool) throw accessDenied(['unknown_tool']);
  }
  const parsed = parseArguments(tool, args);
  return runTool(core, tool, parsed, { ...scope, depth: scope.depth + 1 });
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').slice(0, 200);
}
