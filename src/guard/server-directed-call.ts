import type { Principal } from '../identity/principal.js';
import { runPlainCall, startTask, type CallOutcome } from './call-tool.js';
import type { Decided, GuardCore } from './core.js';
import { denialOf } from './decision-denials.js';
import { deny } from './denials.js';
import { EXTENSION_WIRE } from './extension-request.js';
import type { TaskSupport } from './policy-view.js';
import { reuse, type Predecided } from './predecided.js';
import { continueRounds, firstRound, type RoundOutcome } from './plain-rounds.js';
import type { RoundStateCodec } from './round-state.js';
import type { RoundFacts, RoundState } from './rounds.js';
import { parseArguments } from './run-tool.js';
import type { CallPeer, GuardedTool } from './tools.js';

/** A 2026-07-28 tools/call as the guard sees it: the client only says whether it can take a task. */
export interface ServerDirectedCallFacts {
  name: string;
  arguments: unknown;
  /** The request's `_meta` (the idempotency key travels there). */
  meta?: Record<string, unknown> | undefined;
  /** The request's client capabilities declared the tasks extension. */
  tasksDeclared: boolean;
  /** Aborted when the request goes away (a plain call stops with it; a task outlives it). */
  signal: AbortSignal;
  predecided?: Predecided | undefined;
  /** The request's input-round fields and declared capabilities (MRTR); absent, a plain call has no rounds. */
  rounds?: RoundFacts | undefined;
  /** The caller, reachable while a plain call runs (progress). */
  peer?: CallPeer | undefined;
}

/** A server-directed call ends with a result, a task, or a round's questions. */
export type ServerDirectedOutcome = CallOutcome | Extract<RoundOutcome, { kind: 'input_required' }>;

/** Which operation a server-directed tools/call is decided as first (the same routing preflight uses). */
export function firstOperationOf(support: TaskSupport, tasksDeclared: boolean): 'create' | 'call' {
  if (support === 'required') return 'create';
  return support === 'optional' && tasksDeclared ? 'create' : 'call';
}

/**
 * 2026-07-28 tools/call: the server alone decides whether the call becomes a task, and the policy decides
 * for whom (DESIGN.md section 5). A tool whose task support is required or optional, for a request that
 * declared the extension, is decided as `create` and, allowed, becomes a task; an optional tool whose
 * create the policy refuses for this caller (for anything but step-up, which the caller can satisfy) runs
 * as a plain `call` instead. A required tool for a request that did not declare the extension is decided
 * as `create` with tasks_declared false and refused with -32021, whatever the policy said: MCP forbids a
 * task result to such a client. Everything else is decided as `call` and runs inline.
 */
export async function callToolServerDirected(core: GuardCore, codec: RoundStateCodec, principal: Principal, facts: ServerDirectedCallFacts): Promise<ServerDirectedOutcome> {
  const { name, tasksDeclared } = facts;
  let gathered: { value: RoundState } | undefined;
  // A retry with a request state continues the round that handed it out, decided as `input` first; one
  // whose tool has now gathered what it needs goes on to become its task, decided as `create` below.
  if (facts.rounds?.requestState !== undefined) {
    const tool = core.tools.get(name);
    if (!tool) throw deny({ kind: 'unknown_tool', tool: name });
    const outcome = await continueRounds(core, codec, principal, tool, facts.arguments, { rounds: facts.rounds, signal: facts.signal, predecided: facts.predecided, peer: facts.peer });
    if (outcome.kind !== 'gathered') return outcome;
    gathered = { value: outcome.gathered };
  }
  const support = core.policy.taskSupport(name);
  const op = firstOperationOf(support, tasksDeclared);
  core.throttle(principal, op);
  const tool = core.tools.get(name);
  if (!tool) throw deny({ kind: 'unknown_tool', tool: name });

  const subject = { op, wire: EXTENSION_WIRE, tool: name, tasksDeclared, ...(op === 'create' ? { requestedTtlMs: null } : {}) };
  const decided = reuse(facts.predecided, principal, subject) ?? core.decide({ ...subject, principal });
  if (op === 'call') return runInline(core, codec, principal, tool, facts, decided);

  const { decision } = decided;
  const refusal = decision.allow ? undefined : denialOf('create', decision, { tool: name });
  if (!tasksDeclared) {
    // No authentication makes a task acceptable to this request: only a refusal for other reasons is said instead.
    if (!refusal || refusal.denial.kind === 'step_up' || decision.reasons.includes('tasks_not_declared')) throw deny({ kind: 'tasks_not_declared' });
    throw refusal;
  }
  if (!refusal) return createTask(core, codec, principal, tool, facts, decided, gathered);
  // A policy failure is not an answer about eligibility: it fails closed rather than trying another way.
  if (support !== 'optional' || refusal.denial.kind === 'step_up' || decision.error !== undefined) throw refusal;
  return runInline(core, codec, principal, tool, facts, core.decide({ op: 'call', wire: EXTENSION_WIRE, principal, tool: name, tasksDeclared }));
}

/**
 * An allowed `create`. A tool that gathers input first does so in rounds before its task exists, as the
 * extension says a server SHOULD (the first round here; the rest are retries, decided as `input`).
 */
async function createTask(
  core: GuardCore, codec: RoundStateCodec, principal: Principal, tool: GuardedTool, facts: ServerDirectedCallFacts, decided: Decided,
  gathered: { value: RoundState } | undefined,
): Promise<ServerDirectedOutcome> {
  const args = parseArguments(tool, facts.arguments);
  let input = gathered;
  if (!input && tool.config.gather && facts.rounds) {
    const first = await firstRound(core, codec, principal, tool, args, { rounds: facts.rounds, signal: facts.signal }, 'task');
    if (first.kind !== 'gathered') return first;
    input = { value: first.gathered };
  }
  return startTask(core, principal, tool, args, decided, { meta: facts.meta, requestedTtlMs: undefined, gathered: input });
}

async function runInline(core: GuardCore, codec: RoundStateCodec, principal: Principal, tool: GuardedTool, facts: ServerDirectedCallFacts, { decision }: Decided): Promise<ServerDirectedOutcome> {
  if (!decision.allow) throw denialOf('call', decision, { tool: tool.name });
  const args = parseArguments(tool, facts.arguments);
  if (facts.rounds) return firstRound(core, codec, principal, tool, args, { rounds: facts.rounds, signal: facts.signal, peer: facts.peer }, 'call');
  return { kind: 'result', result: await runPlainCall(core, tool, args, principal, facts.signal, facts.peer) };
}
