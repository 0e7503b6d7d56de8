import { TaskguardError } from '../errors.js';
import { principalKey, type Principal } from '../identity/principal.js';
import { canonicalJson, sha256Hex } from '../util/digest.js';
import { runPlainCall } from './call-tool.js';
import type { GuardCore } from './core.js';
import { denialOf } from './decision-denials.js';
import { deny } from './denials.js';
import { EXTENSION_WIRE } from './extension-request.js';
import { reuse, type Predecided } from './predecided.js';
import type { RoundStateCodec } from './round-state.js';
import { CAPABILITY_OF, InputRequired, isInputRequired, type InputRequest, type InputRounds, type RoundFacts, type RoundPhase, type RoundState } from './rounds.js';
import { parseArguments } from './run-tool.js';
import type { CallPeer, GuardedTool, ToolResult } from './tools.js';

/**
 * How a round of a 2026-07-28 call ends: the tool's result (a plain call), what the tool gathered for the
 * task it is to become (its gather returned), or its questions and the state to retry with.
 */
export type RoundOutcome =
  | { kind: 'result'; result: ToolResult }
  | { kind: 'gathered'; gathered: RoundState }
  | { kind: 'input_required'; inputRequests: Record<string, InputRequest>; requestState: string };

/** What a round of one phase can end with: a plain call's never gathers, a gathering one never results. */
export type PhaseOutcome<P extends RoundPhase> =
  | Extract<RoundOutcome, { kind: 'input_required' }>
  | Extract<RoundOutcome, { kind: P extends 'call' ? 'result' : 'gathered' }>;

/** Where a round is: its number, the answers the tool sees, what it kept from the round before. */
interface RoundAt {
  round: number;
  responses: Readonly<Record<string, unknown>>;
  state: RoundState | undefined;
}

/** What a round needs of its request besides the tool and arguments. */
export interface RoundRequest {
  rounds: RoundFacts;
  signal: AbortSignal;
  predecided?: Predecided | undefined;
  /** The caller of a plain call, on the call's own stream (progress). */
  peer?: CallPeer | undefined;
}

/**
 * The state is sealed for the caller's identity key (tenant, sub, client app, actor), the tool and its
 * arguments: a retry by anyone else, or with other arguments (a confirmation for one file replayed to delete
 * another), opens nothing.
 */
function bindingOf(principal: Principal, tool: string, args: Record<string, unknown>): string {
  return `${principalKey(principal)}\0${sha256Hex(canonicalJson({ tool, arguments: args }))}`;
}

/**
 * A retry carrying a request state: decided as `input` on arrival, with the retrying request's principal,
 * after the state opened for that principal, tool and arguments (anything else: the spec's -32602, audited).
 * Allowed, the tool runs its next round (its handler, or its gather for a task still to be created) and
 * sees only the answers to the keys the previous round asked.
 */
export async function continueRounds(
  core: GuardCore, codec: RoundStateCodec, principal: Principal, tool: GuardedTool, rawArgs: unknown, request: RoundRequest,
): Promise<RoundOutcome> {
  core.throttle(principal, 'input');
  const args = parseArguments(tool, rawArgs);
  const responses = responsesOf(request.rounds.inputResponses);
  const sealed = codec.open(request.rounds.requestState, bindingOf(principal, tool.name, args), core.now());
  // Only a tool that gathers is handed a state of the task phase: any other such state is not one of ours.
  if (!sealed || (sealed.phase === 'task' && !tool.config.gather)) throw core.refuse('input', principal, 'request_state_invalid', { kind: 'invalid_request_state' });
  const subject = { op: 'input' as const, wire: EXTENSION_WIRE, tool: tool.name };
  const { decision } = reuse(request.predecided, principal, subject) ?? core.decide({ ...subject, principal });
  // A round hides no task: a refusal reads as the call it continues would (step-up, the reasons).
  if (!decision.allow) throw denialOf('call', decision, { tool: tool.name });
  const outstanding = Object.fromEntries(sealed.keys.filter((key) => Object.hasOwn(responses, key)).map((key) => [key, responses[key]]));
  const at = { round: sealed.round + 1, responses: outstanding, state: sealed.state };
  return runRound(core, codec, principal, tool, args, request, sealed.phase, at);
}

/**
 * The first round of a call that was decided as `call`, or (`task`) of one decided as `create` whose tool
 * gathers input before it becomes a task. Answers the call carries mean nothing (no round asked anything:
 * nothing is outstanding), so the tool sees none.
 */
export function firstRound<P extends RoundPhase>(
  core: GuardCore, codec: RoundStateCodec, principal: Principal, tool: GuardedTool, args: Record<string, unknown>, request: RoundRequest, phase: P,
): Promise<PhaseOutcome<P>> {
  // runRound gathers only in the task phase, and runs the handler only in the call phase.
  return runRound(core, codec, principal, tool, args, request, phase, { round: 1, responses: {}, state: undefined }) as Promise<PhaseOutcome<P>>;
}

async function runRound(
  core: GuardCore, codec: RoundStateCodec, principal: Principal, tool: GuardedTool, args: Record<string, unknown>, request: RoundRequest,
  phase: RoundPhase, at: RoundAt,
): Promise<RoundOutcome> {
  const declared = request.rounds.clientCapabilities ?? {};
  const rounds: InputRounds = {
    ...at,
    declares: (capability) => isObject(declared[capability]),
    ask(requests, state) {
      throw new InputRequired(requests, state);
    },
  };
  try {
    const { gather } = tool.config;
    if (phase === 'task' && gather) return { kind: 'gathered', gathered: await gather(args, rounds) };
    return { kind: 'result', result: await runPlainCall(core, tool, args, principal, request.signal, request.peer, rounds) };
  } catch (err) {
    if (!isInputRequired(err)) throw err;
    const keys = Object.keys(err.requests);
    if (keys.length === 0) throw new TaskguardError('usage', `tool ${tool.name} ended a round without asking anything`);
    for (const key of keys) {
      const capability = CAPABILITY_OF[err.requests[key]?.method as InputRequest['method']];
      if (capability === undefined) throw new TaskguardError('usage', `tool ${tool.name} asked for input of an unknown kind`);
      // MCP: a server must not rely on a capability the client did not declare on this request.
      if (!isObject(declared[capability])) throw deny({ kind: 'capability_not_declared', capability });
    }
    const sealed = { phase, round: at.round, keys, state: err.state, expiresMs: core.now() + core.policy.limits.requestStateTtlMs };
    return { kind: 'input_required', inputRequests: { ...err.requests }, requestState: codec.seal(sealed, bindingOf(principal, tool.name, args)) };
  }
}

/**
 * `inputResponses` as answers: an answer is an object (a result). Anything else answers nothing, as the
 * SDK already treats it (it drops such entries before the handler sees them), so a malformed answer leaves
 * its question outstanding and the tool asks it again.
 */
function responsesOf(value: unknown): Readonly<Record<string, unknown>> {
  if (!isObject(value)) return {};
  return Object.fromEntries(Object.entries(value).filter(([, answer]) => isObject(answer)));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
