/**
 * The decision contract (DESIGN.md sections 3 and 4). Field names are the wire names the Rego policies read
 * and write, kept snake_case so fixtures, audit records and policies all speak one vocabulary.
 */
export const OPERATIONS = ['create', 'get', 'result', 'list', 'cancel', 'input', 'chain', 'call'] as const;
export type Operation = (typeof OPERATIONS)[number];

/** Which MCP generation carried a request: the same operations, decided by one policy (DESIGN.md section 5). */
export const WIRES = ['2025-11-25', '2026-07-28'] as const;
export type Wire = (typeof WIRES)[number];

export const TASK_STATUSES = ['working', 'input_required', 'completed', 'failed', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export interface PrincipalInput {
  sub: string;
  tenant: string;
  client_id: string;
  scopes: readonly string[];
  roles: readonly string[];
  /** "" when the token carries no acr. */
  acr: string;
  /** 0 when the token carries no auth_time. */
  auth_time_ms: number;
  /** RFC 8693 actor when a service acts for the user; absent otherwise. */
  act?: { sub: string };
}

export interface TaskOwner {
  sub: string;
  tenant: string;
  client_id: string;
}

export interface TaskRecordInput {
  id: string;
  status: TaskStatus;
  tool: string;
  owner: TaskOwner;
  scopes: readonly string[];
  created_ms: number;
  expires_ms: number;
  results_read: number;
}

export interface DecisionInput {
  op: Operation;
  /** The guard always sets it; inputs written by hand (fixtures, benchmarks) may leave it out. */
  wire?: Wire;
  now_ms: number;
  principal: PrincipalInput;
  tool?: { name: string };
  /** create: the requested TTL and whether the client can take a task; call: only the latter. */
  request?: { ttl_ms?: number | null; tasks_declared?: boolean };
  task?: TaskRecordInput;
  chain?: { tool: string; depth: number };
}

/** At least one of the two is present. */
export interface StepUpObligation {
  /** Space-separated, as RFC 9470's acr_values parameter. */
  acr_values?: string;
  max_age_s?: number;
}

export interface Decision {
  allow: boolean;
  /** Why not, in stable snake_case codes; empty on an allow. */
  reasons: readonly string[];
  /** A supervisor acted on a task of its tenant that it does not own. */
  delegated: boolean;
  ttl_ms?: number;
  poll_interval_ms?: number;
  step_up?: StepUpObligation;
  revoke_after_result?: boolean;
  list_scope?: 'owner' | 'tenant';
  /** Set only when the engine failed closed: what went wrong, for the audit log. */
  error?: string;
}

/** Reasons the engine itself gives when it fails closed; policies never produce these. */
export const ENGINE_REASONS = {
  policyError: 'policy_error',
  noDecision: 'no_decision',
  malformedDecision: 'malformed_decision',
  inputInvalid: 'input_invalid',
} as const;
