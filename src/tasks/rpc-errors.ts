import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import type { StepUpObligation } from '../decision/types.js';

/**
 * JSON-RPC error codes taskguard answers with, in the range JSON-RPC reserves for implementation-defined
 * server errors. Stable: clients may branch on them.
 */
export const TASKGUARD_RPC_ERRORS = {
  accessDenied: -32003,
  stepUpRequired: -32004,
  rateLimited: -32005,
  taskLimit: -32006,
  unauthenticated: -32007,
} as const;

/**
 * A JSON-RPC error as the guard answers it. The SDK sends `message` as it is, so this keeps it plain (the
 * SDK's McpError bakes an "MCP error N:" prefix into its message, which the client would then prefix again).
 */
export class GuardRpcError extends Error {
  constructor(readonly code: number, message: string, readonly data?: unknown) {
    super(message);
    this.name = 'GuardRpcError';
  }
}

/** An error message as it travels: without the prefix McpError adds, so it is not doubled. */
export function wireMessage(err: Error): string {
  return err.message.replace(/^MCP error -?\d+: /, '');
}

/**
 * The one answer for a task that does not exist, is not the caller's, or has expired: identical code,
 * message and data, so no response reveals that a task id belongs to someone else.
 */
export function taskNotFound(): GuardRpcError {
  return new GuardRpcError(ErrorCode.InvalidParams, 'task not found');
}

/** A malformed id can never name a task, so saying so reveals nothing. */
export function invalidTaskId(): GuardRpcError {
  return new GuardRpcError(ErrorCode.InvalidParams, 'invalid task id');
}

export function invalidCursor(): GuardRpcError {
  return new GuardRpcError(ErrorCode.InvalidParams, 'invalid cursor');
}

/** A denial of the caller's own request (their scopes, roles, client app): reasons help them fix it. */
export function accessDenied(reasons: readonly string[]): GuardRpcError {
  return new GuardRpcError(TASKGUARD_RPC_ERRORS.accessDenied, 'access denied', { reasons });
}

/** RFC 9470: the caller may proceed after re-authenticating with these parameters. */
export function stepUpRequired(obligation: StepUpObligation): GuardRpcError {
  return new GuardRpcError(TASKGUARD_RPC_ERRORS.stepUpRequired, 'step-up authentication required', stepUpData(obligation));
}

export function stepUpData(obligation: StepUpObligation): Record<string, unknown> {
  return {
    error: 'insufficient_user_authentication',
    ...(obligation.acr_values !== undefined ? { acr_values: obligation.acr_values } : {}),
    ...(obligation.max_age_s !== undefined ? { max_age: obligation.max_age_s } : {}),
  };
}

/** MCP: a task-required tool called plainly, or a task-forbidden tool called as a task, is -32601. */
export function methodNotFound(message: string): GuardRpcError {
  return new GuardRpcError(ErrorCode.MethodNotFound, message);
}

/** MCP: cancelling a task that is already terminal is -32602. */
export function alreadyTerminal(): GuardRpcError {
  return new GuardRpcError(ErrorCode.InvalidParams, 'task is already in a terminal status');
}

export function rateLimited(retryAfterMs: number): GuardRpcError {
  return new GuardRpcError(TASKGUARD_RPC_ERRORS.rateLimited, 'rate limit exceeded', { retry_after_ms: retryAfterMs });
}

export function taskLimitReached(limit: number): GuardRpcError {
  return new GuardRpcError(TASKGUARD_RPC_ERRORS.taskLimit, 'too many live tasks', { limit });
}

export function unauthenticated(): GuardRpcError {
  return new GuardRpcError(TASKGUARD_RPC_ERRORS.unauthenticated, 'authentication required');
}
