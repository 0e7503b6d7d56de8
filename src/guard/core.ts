import { randomUUID } from 'node:crypto';
import type { Decider } from '../decision/engine.js';
import type { PolicyHandle } from '../decision/policy-handle.js';
import type { Decision } from '../decision/types.js';
import { describeError } from '../errors.js';
import { principalKey, type Principal } from '../identity/principal.js';
import type { LeaseClaim, TaskRecord, TaskStore } from '../stores/types.js';
import type { GuardAuditEntry, GuardAuditSink } from './audit-port.js';
import { createCursorCodec, type CursorCodec } from './cursor.js';
import { deny, type Denial, type GuardDenial } from './denials.js';
import { decisionInput, type InputParts } from './inputs.js';
import type { GuardObserver } from './observer.js';
import { policyViewOf, type PolicyView } from './policy-view.js';
import { createRateLimiter, type RateLimiter } from './rate-limit.js';
import type { GuardedTool } from './tools.js';
import { Workers } from './workers.js';

export interface Decided {
  decision: Decision;
  decisionId: string;
}

export interface GuardCoreDeps {
  /** Where every decision takes its policy snapshot from; limits follow it on each activation. */
  policy: PolicyHandle;
  /** Told about every decision and refusal after it is audited (decision logs, metrics, shadow policies). */
  observers: readonly GuardObserver[];
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
  /** Builds the rate limiter from the policy's limit; default a per-process one (createRateLimiter). */
  rateLimiter: ((perMinute: number) => RateLimiter) | undefined;
}

type LifecycleEvent = NonNullable<GuardAuditEntry['event']>;

/**
 * State every wire shares: one decider, one store, one audit log, one set of running tasks. `decide` is the
 * single path from a verified principal to a decision, and it always audits.
 */
export class GuardCore {
  readonly store: TaskStore;
  readonly now: () => number;
  readonly tools: ReadonlyMap<string, GuardedTool>;
  readonly workers = new Workers();
  readonly cursors: CursorCodec;
  readonly limiter: RateLimiter;
  /** With a shared store a task can change in another process: waits re-read the record this often. */
  readonly changePollMs: number | undefined;
  readonly #audit: GuardAuditSink | undefined;
  readonly #policy: PolicyHandle;
  readonly #observers: readonly GuardObserver[];
  readonly #lease: GuardCoreDeps['lease'];
  readonly #onLocalError: GuardCoreDeps['onLocalError'];
  readonly errorOutcome: GuardCoreDeps['errorOutcome'];

  constructor(deps: GuardCoreDeps) {
    this.#policy = deps.policy;
    this.#observers = deps.observers;
    this.store = deps.store;
    this.now = deps.now;
    this.tools = deps.tools;
    this.#audit = deps.audit;
    this.#lease = deps.lease;
    this.#onLocalError = deps.onLocalError;
    this.errorOutcome = deps.errorOutcome;
    this.changePollMs = deps.lease?.changePollMs;
    this.cursors = createCursorCodec(deps.cursorSecret);
    this.limiter = (deps.rateLimiter ?? createRateLimiter)(this.policy.limits.operationsPerMinute);
    // Limits are policy data: an activation that changes them applies from the next request on.
    deps.policy.onActivate((next) => this.limiter.setRate(policyViewOf(next.data).limits.operationsPerMinute));
  }

  /** The active policy snapshot. Read it once per use: the next read may be a newer one. */
  get decider(): Decider {
    return this.#policy.current();
  }

  /** The typed view of the active policy data. */
  get policy(): PolicyView {
    return policyViewOf(this.#policy.current().data);
  }

  decide(parts: Omit<InputParts, 'nowMs'>): Decided {
    // One snapshot for the evaluation and its record, whatever activates meanwhile.
    const snapshot = this.#policy.current();
    const nowMs = this.now();
    const input = decisionInput({ ...parts, nowMs });
    const observed = this.#observers.length > 0;
    const started = observed ? process.hrtime.bigint() : 0n;
    const decision = snapshot.decide(input);
    const evalNs = observed ? Number(process.hrtime.bigint() - started) : 0;
    const decisionId = randomUUID();
    this.#record(snapshot, {
      kind: 'decision',
      op: parts.op,
      wire: input.wire ?? '2025-11-25',
      decision_id: decisionId,
      principal: auditPrincipal(parts.principal),
      task_id: parts.task?.id ?? null,
      tool: parts.chain?.tool ?? parts.tool ?? parts.task?.tool ?? null,
      allow: decision.allow,
      reasons: [...decision.reasons],
      delegated: decision.delegated,
      ...(decision.error !== undefined ? { error: decision.error } : {}),
    });
    if (observed) {
      const event = { decisionId, input, decision, policyRevision: snapshot.revision, dataRevision: snapshot.dataRevision, timeMs: nowMs, evalNs };
      for (const o of this.#observers) {
        try {
          o.decided?.(event);
        } catch {
          // An observer never changes or blocks an answer (see GuardObserver).
        }
      }
    }
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
    const decisionId = randomUUID();
    this.#record(this.#policy.current(), {
      kind: 'decision', op, decision_id: decisionId, principal: auditPrincipal(principal),
      task_id: null, tool: null, allow: false, reasons: [reason], delegated: false,
    });
    this.#refused(decisionId, op, reason);
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
      this.#record(this.#policy.current(), {
        kind: 'decision', op: context.op, decision_id: correlationId,
        principal: context.principal ? auditPrincipal(context.principal) : null,
        task_id: context.taskId ?? null, tool: null, allow: false, reasons: ['internal_error'], delegated: false,
        error: describeError(cause),
      });
    } catch {
      // The audit log itself is what failed; the operator hears of it through the log's own onError.
    }
    this.#onLocalError?.(cause, correlationId);
    this.#refused(correlationId, context.op, 'internal_error');
    return deny({ kind: 'internal', correlationId });
  }

  lifecycle(event: LifecycleEvent, record: TaskRecord, extra: { principal?: Principal; op?: InputParts['op']; decisionId?: string } = {}): void {
    this.#record(this.#policy.current(), {
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

  #record(snapshot: Decider, entry: Omit<GuardAuditEntry, 'policy_revision' | 'data_revision'>): void {
    this.#audit?.append({ ...entry, policy_revision: snapshot.revision, data_revision: snapshot.dataRevision });
  }

  #refused(decisionId: string, op: InputParts['op'], reason: string): void {
    if (this.#observers.length === 0) return;
    const event = { decisionId, op, reason, timeMs: this.now() };
    for (const o of this.#observers) {
      try {
        o.refused?.(event);
      } catch {
        // As in decide: observers never change an answer.
      }
    }
  }
}

function auditPrincipal(p: Principal): { tenant: string; sub: string; client_id: string } {
  return { tenant: p.tenant, sub: p.sub, client_id: p.clientId };
}
