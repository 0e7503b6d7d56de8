import { randomUUID } from 'node:crypto';
import type { Decider } from '../decision/engine.js';
import type { Decision } from '../decision/types.js';
import type { Principal } from '../identity/principal.js';
import type { TaskRecord, TaskStore } from '../stores/types.js';
import type { GuardAuditEntry, GuardAuditSink } from './audit-port.js';
import { decisionInput, type InputParts } from './inputs.js';
import { rateLimited } from './rpc-errors.js';
import type { RateLimiter } from './rate-limit.js';
import type { CursorCodec } from './cursor.js';
import type { GuardedTool } from './tools.js';
import type { LeaseKeeper } from './leases.js';
import type { Workers } from './workers.js';

export interface GuardLimits {
  operationsPerMinute: number;
  liveTasksPerPrincipal: number;
}

export interface Decided {
  decision: Decision;
  decisionId: string;
}

/**
 * State every attached server shares: one decider, one store, one audit log, one set of running tasks.
 * `decide` is the single path from a verified principal to a decision, and it always audits.
 */
export class GuardCore {
  /** Set when the store is shared or durable (LeasedTaskStore): each new task is created bound to this host. */
  leases: LeaseKeeper | undefined;
  /** With a shared store a task can change in another process: waits re-read the record this often. */
  changePollMs: number | undefined;

  constructor(
    readonly decider: Decider,
    readonly store: TaskStore,
    readonly audit: GuardAuditSink | undefined,
    readonly now: () => number,
    readonly tools: Map<string, GuardedTool>,
    readonly workers: Workers,
    readonly limiter: RateLimiter,
    readonly cursors: CursorCodec,
    readonly limits: GuardLimits,
  ) {}

  decide(parts: Omit<InputParts, 'nowMs'>): Decided {
    const decision = this.decider.decide(decisionInput({ ...parts, nowMs: this.now() }));
    const decisionId = randomUUID();
    this.record({
      kind: 'decision',
      op: parts.op,
      decision_id: decisionId,
      principal: auditPrincipal(parts.principal),
      task_id: parts.task?.id ?? null,
      tool: parts.chain?.tool ?? parts.tool ?? parts.task?.tool ?? null,
      allow: decision.allow,
      reasons: [...decision.reasons],
      delegated: decision.delegated,
      ...(decision.error !== undefined ? { error: decision.error } : {}),
    });
    return { decision, decisionId };
  }

  /** Per-principal rate limit, checked before any decision; a refusal is audited like a deny. */
  throttle(principal: Principal, op: InputParts['op']): void {
    const waitMs = this.limiter.take(`${principal.tenant}\0${principal.sub}\0${principal.clientId}`, this.now());
    if (waitMs === 0) return;
    this.record({
      kind: 'decision', op, decision_id: randomUUID(), principal: auditPrincipal(principal),
      task_id: null, tool: null, allow: false, reasons: ['rate_limited'], delegated: false,
    });
    throw rateLimited(waitMs);
  }

  lifecycle(event: NonNullable<GuardAuditEntry['event']>, record: TaskRecord, extra: { principal?: Principal; op?: InputParts['op']; decisionId?: string } = {}): void {
    this.record({
      kind: 'lifecycle',
      event,
      ...(extra.op ? { op: extra.op } : {}),
      ...(extra.decisionId ? { decision_id: extra.decisionId } : {}),
      principal: extra.principal ? auditPrincipal(extra.principal) : null,
      task_id: record.id,
      tool: record.tool,
      status: record.status,
      ...(record.statusMessage !== undefined ? { status_message: record.statusMessage } : {}),
    });
  }

  private record(entry: Omit<GuardAuditEntry, 'policy_revision' | 'data_revision'>): void {
    this.audit?.append({ ...entry, policy_revision: this.decider.revision, data_revision: this.decider.dataRevision });
  }
}

function auditPrincipal(p: Principal): { tenant: string; sub: string; client_id: string } {
  return { tenant: p.tenant, sub: p.sub, client_id: p.clientId };
}
