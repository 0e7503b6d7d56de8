import { Counter, Gauge, type Registry } from 'prom-client';
import { DROP_REASONS, type DecisionLogStats } from '../decision-log/stats.js';

/**
 * The decision log's counts (DecisionLog.stats()), read at scrape time like the shadow counts: events logged,
 * dropped by reason (drop_rule is the policy's choice; every other reason is a loss), uploads and their
 * failures, and what waits in the buffer.
 */
export function registerDecisionLogMetrics(registry: Registry, stats: () => DecisionLogStats): void {
  total(registry, 'taskguard_decision_log_events_total', 'Decision-log events masked and handed to the sinks.', () => stats().logged);
  new Counter({
    name: 'taskguard_decision_log_dropped_total', help: 'Decision-log events not delivered, by reason (drop_rule: the policy dropped it; the others are losses).',
    labelNames: ['reason'], registers: [registry],
    collect() {
      const { dropped } = stats();
      this.reset();
      for (const reason of DROP_REASONS) this.inc({ reason }, dropped[reason]);
    },
  });
  total(registry, 'taskguard_decision_log_upload_failures_total', 'Uploads to the decision-log service that failed (retried later).', () => stats().uploadFailures);
  new Gauge({
    name: 'taskguard_decision_log_buffered_events', help: 'Decision-log events waiting for delivery.', registers: [registry],
    collect() {
      this.set(stats().buffered);
    },
  });
}

/** A label-less counter whose value is read from a running total at scrape time. */
function total(registry: Registry, name: string, help: string, read: () => number): void {
  new Counter({
    name, help, registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}
