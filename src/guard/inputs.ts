import type { DecisionInput, Operation, PrincipalInput, RequestInput, TaskRecordInput, Wire } from '../decision/types.js';
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
  /** The generation that carried the request; absent means 2025-11-25, what every caller meant before. */
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
  const request = requestInput(parts);
  return {
    op: parts.op,
    wire: parts.wire ?? '2025-11-25',
    now_ms: parts.nowMs,
    principal: principalInput(parts.principal),
    ...(parts.tool !== undefined ? { tool: { name: parts.tool } } : {}),
    ...(request ? { request } : {}),
    ...(parts.task ? { task: taskInput(parts.task) } : {}),
    ...(parts.chain ? { chain: parts.chain } : {}),
  };
}

/**
 * Only the operations that start a tool say anything about the request. The defaults keep an unset part
 * meaning what it meant before the field existed: a create is a client asking for a task (2025-11-25), a
 * plain call is one that did not declare it can take one.
 */
function requestInput(parts: InputParts): RequestInput | undefined {
  if (parts.op === 'create') return { ttl_ms: parts.requestedTtlMs ?? null, tasks_declared: parts.tasksDeclared ?? true };
  if (parts.op === 'call') return { tasks_declared: parts.tasksDeclared ?? false };
  return undefined;
}
