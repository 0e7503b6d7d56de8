import type { StepUpObligation } from '../decision/types.js';

/**
 * Every way the guard refuses an operation, as data. The guard never speaks JSON-RPC: a wire adapter turns
 * a denial into its own error with one exhaustive mapping (src/wire/rpc-errors.ts), so no call site
 * decides on its own what "is this step-up" or "does this hide the task" means.
 */
export type Denial =
  /** The task does not exist, is not the caller's, or has expired: one answer for all three. */
  | { kind: 'not_found' }
  /** A client mistake in the request itself (a malformed id, a bad cursor, bad arguments). */
  | { kind: 'invalid_params'; message: string }
  /** The tool is not one this server has. */
  | { kind: 'unknown_tool'; tool: string }
  /** Policy refused the caller's own request; the reasons help them fix it. */
  | { kind: 'access_denied'; reasons: readonly string[] }
  /** RFC 9470: the caller may proceed after re-authenticating with these parameters. */
  | { kind: 'step_up'; obligation: StepUpObligation }
  /** The tool's task support does not allow this form of call (MCP: -32601). */
  | { kind: 'task_support'; tool: string; support: 'required' | 'forbidden' }
  | { kind: 'already_terminal' }
  | { kind: 'rate_limited'; retryAfterMs: number }
  | { kind: 'task_limit'; limit: number }
  | { kind: 'unauthenticated' }
  /**
   * 2026-07-28: the request did not declare the tasks extension, and what it asks needs it (a tool that must
   * run as a task, or any tasks/* request).
   */
  | { kind: 'tasks_not_declared' }
  /** 2026-07-28: a tool asked for input that needs a client capability the request did not declare. */
  | { kind: 'capability_not_declared'; capability: string }
  /** 2026-07-28: a retry's request state is edited, another caller's or call's, or expired: one answer for all. */
  | { kind: 'invalid_request_state' }
  /** The task ended in an error, which tasks/result hands back as it was recorded. */
  | { kind: 'task_error'; code: number; message: string }
  /** A local failure (store, file, policy): the client gets only the id; the cause went to the operator. */
  | { kind: 'internal'; correlationId: string };

/**
 * A refusal, thrown through the guard's operations and into tools (a nested call the policy refuses). Its
 * message is the one line every wire sends for it; `denial` says what it is.
 */
export class GuardDenial extends Error {
  constructor(readonly denial: Denial) {
    super(messageOf(denial));
    this.name = 'GuardDenial';
  }
}

/** The one plain line for each denial: lowercase, no internals (a local failure shows only its id). */
export function messageOf(denial: Denial): string {
  switch (denial.kind) {
    case 'not_found': return 'task not found';
    case 'invalid_params': return denial.message;
    case 'unknown_tool': return `unknown tool: ${denial.tool}`;
    case 'access_denied': return 'access denied';
    case 'step_up': return 'step-up authentication required';
    case 'task_support': return denial.support === 'required' ? `tool ${denial.tool} must run as a task` : `tool ${denial.tool} cannot run as a task`;
    case 'already_terminal': return 'task is already in a terminal status';
    case 'rate_limited': return 'rate limit exceeded';
    case 'task_limit': return 'too many live tasks';
    case 'unauthenticated': return 'authentication required';
    case 'tasks_not_declared':
    case 'capability_not_declared': return 'missing required client capability';
    case 'invalid_request_state': return 'invalid or expired requestState';
    case 'task_error': return denial.message;
    case 'internal': return `internal error (correlation id ${denial.correlationId})`;
  }
}

export const deny = (denial: Denial): GuardDenial => new GuardDenial(denial);
export const notFound = (): GuardDenial => deny({ kind: 'not_found' });
export const invalidParams = (message: string): GuardDenial => deny({ kind: 'invalid_params', message });
export const invalidTaskId = (): GuardDenial => invalidParams('invalid task id');
export const invalidCursor = (): GuardDenial => invalidParams('invalid cursor');
export const accessDenied = (reasons: readonly string[]): GuardDenial => deny({ kind: 'access_denied', reasons: [...reasons] });
export const unauthenticated = (): GuardDenial => deny({ kind: 'unauthenticated' });

export function isGuardDenial(err: unknown): err is GuardDenial {
  return err instanceof GuardDenial;
}
