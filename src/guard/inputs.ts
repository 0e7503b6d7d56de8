import type { DecisionInput, Operation, PrincipalInput, TaskRecordInput, Wire } from '../decision/types.js';
import type { Principal } from '../identity/principal.js';
import type { TaskRecord } from '../stores/types.js';

/**
 * The one place a decision input is built. The principal comes only from the verified token's Principal and
 * the task only from the store, never from request params.
 */

/** The decision input's principal: only from the verified token's Principal, never from request params. */
export function principalInput(p: Principal): PrincipalInput {
  return {
    sub: p.sub,
    tenant: p.tenant,
    client_id: p.clientId,
    scopes: p.scopes,
    roles: p.roles,
    acr: p.acr,
    auth_time_ms: p.authTimeMs,
    ...(p.act ? { act: { sub: p.act.sub } } : {}),
  };
}

export function taskInput(r: TaskRecord): TaskRecordInput {
  return {
    id: r.id,
    status: r.status,
    tool: r.tool,
    owner: r.owner,
    scopes: r.scopes,
    created_ms: r.createdMs,
    expires_ms: r.expiresMs,
    results_read: r.resultsRead,
  };
}

export interface InputParts {
  op: Operation;
  /** Default 2025-11-25. */
  wire?: Wire;
  nowMs: number;
  principal: Principal;
  tool?: string;
  requestedTtlMs?: number | null;
  task?: TaskRecord;
  chain?: { tool: string; depth: number };
  /**
   * create / call: whether the client can take a task. 2025-11-25 asks for one explicitly (create: true,
   * call: false, the defaults); on 2026-07-28 it is the request's declared extension capability.
   */
  tasksDeclared?: boolean;
}

export function decisionInput(parts: InputParts): DecisionInput {
  return {
    op: parts.op,
    wire: parts.wire ?? '2025-11-25',
    now_ms: parts.nowMs,
    principal: principalInput(parts.principal),
    ...(parts.tool !== undefined ? { tool: { name: parts.tool } } : {}),
    ...(parts.op === 'create' ? { request: { ttl_ms: parts.requestedTtlMs ?? null, tasks_declared: parts.tasksDeclared ?? true } } : {}),
    ...(parts.op === 'call' ? { request: { tasks_declared: parts.tasksDeclared ?? false } } : {}),
    ...(parts.task ? { task: taskInput(parts.task) } : {}),
    ...(parts.chain ? { chain: parts.chain } : {}),
  };
}
