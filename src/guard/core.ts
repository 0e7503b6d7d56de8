import { randomUUID } from 'node:crypto';
import type { Decider } from '../decision/engine.js';
import type { Decision } from '../decision/types.js';
import { describeError } from '../errors.js';
import { principalKey, type Principal } from '../identity/principal.js';
import type { LeaseClaim, TaskRecord, TaskStore } from '../stores/types.js';
import type { GuardAuditEntry, GuardAuditSink } from './audit-port.js';
import { createCursorCodec, type CursorCodec } from './cursor.js';
import { deny, type Denial, type GuardDenial } from './denials.js';
import { decisionInput, type InputParts } from './inputs.js';
import { policyViewOf, type PolicyView } from './policy-view.js';
import { createRateLimiter, type RateLimiter } from './rate-limit.js';
import type { GuardedTool } from './tools.js';
import { Workers } from './workers.js';

export interface Decided {
  decision: Decision;
  decisionId: string;
}

export interface GuardCoreDeps {
  decider: Decider;
  store: TaskStore;
  audit: GuardAuditSink | undefined;
  now: () => number;
  tools: ReadonlyMap<string, GuardedTool>;
  cursorSecret: Uint8Array;
  /** With a shared or durable store: this host's claim on the tasks it creates, and how often waits re-read. */
  lease: { instanceId: string; leaseMs: number; changePollMs: number } | undefined;
  /** Told about each local failure, with the correlation id its client was given. */
  onLocalError: ((err: Error, correlationId: string) => void) | undefined;
  /**
   * How a refusal that ends a task (a nested call denied inside it) is recorded as the task's error outcome:
   * the wire's JSON-RPC code and message, so tasks/result replays what the call itself would have answered.
   */
  errorOutcome: (denial: Denial) => { code: number; message: string };
}

type LifecycleEvent = NonNullable<GuardAuditEntry['event']>;

/**
 * State every wire shares: one decider, one store, one audit log, one set of running tasks. `decide` is the
 * single path from a verified principal to a decision, and it always audits.
 */
export class GuardCore {
  readonly decider: Decider;
  readonly store: TaskStore;
  readonly now: () => number;
  readonly tools: ReadonlyMap<string, GuardedTool>;
  readonly workers = new Workers();
  readonly cursors: CursorCodec;
  readonly limiter: RateLimiter;
  /** With a shared store a task can change in another process: waits re-read the record this often. */
  readonly changePollMs: number | undefined;
  readonly #audit: GuardAuditSink | undefined;
  readonly #lease: GuardCoreDeps['lease'];
  readonly #onLocalError: GuardCoreDeps['onLocalError'];
  readonly errorOutcome: GuardCoreDeps['errorOutcome'];

  constructor(deps: GuardCoreDeps) {
    this.decider = deps.decider;
    this.store = deps.store;
    this.now = deps.now;
    this.tools = deps.tools;
    this.#audit = deps.audit;
    this.#lease = deps.lease;
    this.#onLocalError = deps.onLocalError;
    this.errorOutcome = deps.errorOutcome;
    this.changePollMs = deps.lease?.changePollMs;
    this.cursors = createCursorCodec(deps.cursorSecret);
    this.limiter = createRateLimiter(this.policy.limits.operationsPerMinute);
  }

  /** The typed view of the active policy data. */
  get policy(): PolicyView {
    return policyViewOf(this.decider.data);
  }

  decide(parts: Omit<InputParts, 'nowMs'>): Decided {
    const decision = this.decider.decide(decisionInput({ ...parts, nowMs: this.now() }));
    const decisionId = randomUUID();
    this.#record({
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
    const waitMs = this.limiter.take(principalKey(principal), this.now());
    if (waitMs === 0) return;
    throw this.refuse(op, principal, 'rate_limited', { kind: 'rate_limited', retryAfterMs: waitMs });
  }

  /**
   * A refusal the guard makes itself, before any policy decision or store read (a rate limit, a missing
   * capability): audited like a deny, so the log holds every refused request, and returned to throw.
   */
  refuse(op: InputParts['op'], principal: Principal, reason: string, denial: Denial): GuardDenial {
    this.#record({
      kind: 'decision', op, decision_id: randomUUID(), principal: auditPrincipal(principal),
      task_id: null, tool: null, allow: false, reasons: [reason], delegated: false,
    });
    return deny(denial);
  }

  /**
   * A local failure (store, file, policy load) while serving a request: recorded as a denial with reason
   * `internal_error` and the cause, reported to the operator, and answered to the client with only a
   * correlation id (the audit record's decision_id). Never throws: an audit log that fails here has already
   * failed every decision closed.
   */
  localFailure(err: unknown, context: { op: InputParts['op']; principal?: Principal | undefined; taskId?: string | undefined }): GuardDenial {
    const correlationId = randomUUID();
    const cause = err instanceof Error ? err : new Error(String(err));
    try {
      this.#record({
        kind: 'decision', op: context.op, decision_id: correlationId,
        principal: context.principal ? auditPrincipal(context.principal) : null,
        task_id: context.taskId ?? null, tool: null, allow: false, reasons: ['internal_error'], delegated: false,
        error: describeError(cause),
      });
    } catch {
      // The audit log itself is what failed; the operator hears of it through the log's own onError.
    }
    this.#onLocalError?.(cause, correlationId);
    return deny({ kind: 'internal', correlationId });
  }

  lifecycle(event: LifecycleEvent, record: TaskRecord, extra: { principal?: Principal; op?: InputParts['op']; decisionId?: string } = {}): void {
    this.#record({
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

  /** The lease a new task is created with: bound to this host from its first write (undefined without leases). */
  claimForNewTask(): LeaseClaim | undefined {
    return this.#lease ? { instanceId: this.#lease.instanceId, leaseUntilMs: this.now() + this.#lease.leaseMs } : undefined;
  }

  /** A task's record changed (here, or as seen from here): wakes whoever waits on it. */
  changed(record: TaskRecord): void {
    this.workers.changed(record.id);
  }

  #record(entry: Omit<GuardAuditEntry, 'policy_revision' | 'data_revision'>): void {
    this.#audit?.append({ ...entry, policy_revision: this.decider.revision, data_revision: this.decider.dataRevision });
  }
}

function auditPrincipal(p: Principal): { tenant: string; sub: string; client_id: string } {
  return { tenant: p.tenant, sub: p.sub, client_id: p.clientId };
}
