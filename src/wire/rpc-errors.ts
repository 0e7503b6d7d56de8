import type { StepUpObligation } from '../decision/types.js';
import type { Denial } from '../guard/denials.js';
import { messageOf } from '../guard/denials.js';

/**
 * The one mapping from the guard's denials to JSON-RPC errors, shared by both MCP generations (each speaks
 * JSON-RPC 2.0 with the same codes). No MCP SDK here: each wire adapter hands the result to its own SDK.
 */

/** The JSON-RPC 2.0 codes taskguard answers with. */
export const JSON_RPC = { invalidRequest: -32600, methodNotFound: -32601, invalidParams: -32602, internalError: -32603 } as const;

/**
 * taskguard's own codes, in the range JSON-RPC reserves for implementation-defined server errors. Stable:
 * clients may branch on them.
 */
export const TASKGUARD_RPC_ERRORS = {
  accessDenied: -32003,
  stepUpRequired: -32004,
  rateLimited: -32005,
  taskLimit: -32006,
  unauthenticated: -32007,
} as const;

/** MCP's own codes (2026-07-28). */
export const MCP_RPC_ERRORS = { missingRequiredClientCapability: -32021 } as const;

/** The tasks extension's identifier (2026-07-28, SEP-2663): capabilities and -32021 errors name it. */
export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';

export interface RpcError {
  code: number;
  message: string;
  data?: Record<string, unknown>;
}

export function rpcErrorOf(denial: Denial): RpcError {
  const message = messageOf(denial);
  switch (denial.kind) {
    case 'not_found':
    case 'invalid_params':
    case 'unknown_tool':
    case 'already_terminal': // MCP: cancelling a terminal task is -32602
      return { code: JSON_RPC.invalidParams, message };
    case 'task_support': // MCP: a task-required tool called plainly, a task-forbidden one as a task
      return { code: JSON_RPC.methodNotFound, message };
    case 'access_denied':
      return { code: TASKGUARD_RPC_ERRORS.accessDenied, message, data: { reasons: [...denial.reasons] } };
    case 'step_up':
      return { code: TASKGUARD_RPC_ERRORS.stepUpRequired, message, data: stepUpData(denial.obligation) };
    case 'rate_limited':
      return { code: TASKGUARD_RPC_ERRORS.rateLimited, message, data: { retry_after_ms: denial.retryAfterMs } };
    case 'task_limit':
      return { code: TASKGUARD_RPC_ERRORS.taskLimit, message, data: { limit: denial.limit } };
    case 'unauthenticated':
      return { code: TASKGUARD_RPC_ERRORS.unauthenticated, message };
    case 'tasks_not_declared': // the extension's own error: the capability the client must declare
      return { code: MCP_RPC_ERRORS.missingRequiredClientCapability, message, data: { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } } };
    case 'capability_not_declared':
      return { code: MCP_RPC_ERRORS.missingRequiredClientCapability, message, data: { requiredCapabilities: { [denial.capability]: {} } } };
    case 'invalid_request_state': // the SDK's own answer to a state its verify hook refuses
      return { code: JSON_RPC.invalidParams, message, data: { reason: 'invalid_request_state' } };
    case 'task_error':
      return { code: denial.code, message };
    case 'internal':
      return { code: JSON_RPC.internalError, message, data: { correlation_id: denial.correlationId } };
  }
}

/** RFC 9470's parameters, as the step-up error's data and the 401 challenge carry them. */
export function stepUpData(obligation: StepUpObligation): Record<string, unknown> {
  return {
    error: 'insufficient_user_authentication',
    ...(obligation.acr_values !== undefined ? { acr_values: obligation.acr_values } : {}),
    ...(obligation.max_age_s !== undefined ? { max_age: obligation.max_age_s } : {}),
  };
}

/**
 * A JSON-RPC error as the SDKs send a thrown error: `code`, `message` and `data` read off it. Kept plain
 * (the SDK's McpError bakes an "MCP error N:" prefix into its message, which the client would add again).
 */
export class GuardRpcError extends Error {
  readonly code: number;
  readonly data: Record<string, unknown> | undefined;

  constructor(error: RpcError) {
    super(error.message);
    this.name = 'GuardRpcError';
    this.code = error.code;
    this.data = error.data;
  }
}
