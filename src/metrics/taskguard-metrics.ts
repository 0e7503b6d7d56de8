import { collectDefaultMetrics, Registry } from 'prom-client';
import { AuditMetrics } from './audit-metrics.js';
import { DecisionMetrics } from './decision-metrics.js';
import { LocalErrorMetrics } from './local-error-metrics.js';
import { PolicyMetrics } from './policy-metrics.js';
import { TaskMetrics } from './task-metrics.js';

export interface TaskguardMetricsOptions {
  /** Tasks whose tool runs in this process (Taskguard.running()); read at scrape time. */
  running: () => number;
  /** Whether the audit log takes records (AuditLog.writable); read at scrape time. */
  auditWritable: () => boolean;
  /** Node's default process metrics too. */
  processMetrics?: boolean;
}

/**
 * Every taskguard_* metric in one dedicated registry (not prom-client's global one, so an embedder can
 * merge it into its own). Each part is fed from where its events happen:
 * - decisions: the GuardObserver (`decisions`, createTaskguard's `observers`);
 * - tasks: the audit log's lifecycle records (`tasks.onRecord`, AuditLog.onRecord);
 * - audit: the log as the guard and the activator append to it (`audit.timed(log)`);
 * - policy: PolicyActivator's onOutcome (`policy.onOutcome`) and the snapshot started with;
 * - local errors: the guard's onBackgroundError (`localErrors.count('background')`); request-path ones
 *   come through the observer.
 */
export class TaskguardMetrics {
  readonly registry = new Registry();
  readonly localErrors: LocalErrorMetrics;
  readonly decisions: DecisionMetrics;
  readonly tasks: TaskMetrics;
  readonly audit: AuditMetrics;
  readonly policy: PolicyMetrics;

  constructor(options: TaskguardMetricsOptions) {
    this.localErrors = new LocalErrorMetrics(this.registry);
    this.decisions = new DecisionMetrics(this.registry, this.localErrors);
    this.tasks = new TaskMetrics(this.registry, options.running);
    this.audit = new AuditMetrics(this.registry, options.auditWritable);
    this.policy = new PolicyMetrics(this.registry);
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
  }
}
