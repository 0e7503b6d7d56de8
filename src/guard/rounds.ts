/**
 * Multi-round input on a plain 2026-07-28 tools/call (MRTR, SEP-2322): a tool that needs answers from its
 * caller ends the round with input requests instead of a result, and the client retries the call with the
 * answers and the request state the round handed out. Nothing waits in between: each retry runs the tool
 * again, with the answers to the questions the previous round asked and what the tool kept from it.
 */

/** One embedded server-to-client request, as an InputRequiredResult carries it. */
export interface InputRequest {
  method: 'elicitation/create' | 'sampling/createMessage' | 'roots/list';
  params: Record<string, unknown>;
}

/** The client capability each kind of input request needs declared on the request (MCP: -32021 otherwise). */
export const CAPABILITY_OF: Readonly<Record<InputRequest['method'], string>> = {
  'elicitation/create': 'elicitation',
  'sampling/createMessage': 'sampling',
  'roots/list': 'roots',
};

/** A JSON value a tool keeps between rounds; sealed in the request state, so the client can neither read nor change it. */
export type RoundState = string | number | boolean | null | RoundState[] | { [key: string]: RoundState };

/** Whose rounds: a plain call's handler, or a tool gathering input before it becomes a task. */
export type RoundPhase = 'call' | 'task';

/** What a tool sees of its input rounds: ToolContext.rounds on a plain 2026-07-28 call, and GuardedToolConfig.gather's. */
export interface InputRounds {
  /** 1 on the first call; each retry that carries a valid request state is the next round. */
  readonly round: number;
  /**
   * The answers to the previous round's questions, by key. Only keys that round asked are here: keys it
   * never issued are ignored, and a call without a valid request state has no outstanding keys at all.
   */
  readonly responses: Readonly<Record<string, unknown>>;
  /** What the tool kept from the previous round (see ask), undefined on the first. */
  readonly state: RoundState | undefined;
  /** Whether the request's client capabilities declare `capability` (elicitation, sampling, roots). */
  declares(capability: string): boolean;
  /**
   * Ends this round with `requests` for the caller (keys are the tool's, unique within the round) and
   * `state` to have back on the retry. Throws; the guard answers the call with an InputRequiredResult.
   * A request whose capability the client did not declare is refused with -32021 instead.
   */
  ask(requests: Readonly<Record<string, InputRequest>>, state?: RoundState): never;
}

/** Thrown by InputRounds.ask: not a failure, the end of a round. */
export class InputRequired extends Error {
  constructor(readonly requests: Readonly<Record<string, InputRequest>>, readonly state: RoundState | undefined) {
    super('input required');
    this.name = 'InputRequired';
  }
}

export function isInputRequired(err: unknown): err is InputRequired {
  return err instanceof InputRequired;
}

/** What a request carries for its rounds: the retry fields and the capabilities it declared. */
export interface RoundFacts {
  /** `inputResponses` as the client sent them (checked here: anything but an object of objects is refused). */
  inputResponses?: unknown;
  /** `requestState` as the client sent it. */
  requestState?: unknown;
  /** The request's declared client capabilities (`_meta`'s io.modelcontextprotocol/clientCapabilities). */
  clientCapabilities?: Readonly<Record<string, unknown>> | undefined;
}
