import type { Operation, TaskStatus, Wire } from '../decision/types.js';

/**
 * What the guard hands its audit log: one entry per decision (allow or deny) and per lifecycle transition.
 * Principals appear only as (tenant, sub, client_id); nothing here can carry a token. A local failure is a
 * decision entry too (allow false, reason `internal_error`), whose decision_id is the correlation id the
 * client was given.
 */
export interface GuardAuditEntry {
  kind: 'decision' | 'lifecycle';
  op?: Operation;
  /** decision: the generation that carried the request (set on every policy decision). */
  wire?: Wire;
  event?: 'created' | 'create_replayed' | 'status' | 'result_read' | 'cancelled' | 'expired' | 'revoked' | 'orphaned';
  decision_id?: string;
  principal: { tenant: string; sub: string; client_id: string } | null;
  task_id: string | null;
  tool: string | null;
  allow?: boolean;
  reasons?: string[];
  delegated?: boolean;
  status?: TaskStatus;
  status_message?: string;
  policy_revision: string;
  data_revision?: string;
  error?: string;
}

export interface GuardAuditSink {
  append(entry: GuardAuditEntry): unknown;
}
