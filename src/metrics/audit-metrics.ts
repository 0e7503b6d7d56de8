import { Counter, Gauge, type Registry } from 'prom-client';
import { CellHistogram } from './cell-histogram.js';
import { AUDIT_BUCKETS_S } from './labels.js';

/** Anything with the AuditLog's append: the guard's and the activator's view of it. */
export interface Appends<E, R> {
  append(entry: E): R;
}

/**
 * How long appends to the audit log take and how many fail. An append is synchronous (the record is built,
 * hashed and queued to the sink), so timing the call times the part a request waits for; a failed append
 * is a request refused (the guard fails closed on it), and the sink's own failure shows as `writable` 0.
 */
export class AuditMetrics {
  readonly #latency: CellHistogram;
  readonly #failures: Counter;

  constructor(registry: Registry, writable: () => boolean) {
    this.#latency = new CellHistogram(registry, {
      name: 'taskguard_audit_append_duration_seconds', help: 'Wall time of one audit append (build, hash and queue the record).', buckets: AUDIT_BUCKETS_S,
    });
    this.#failures = new Counter({ name: 'taskguard_audit_append_failures_total', help: 'Audit appends that threw (the log closed, its sink failed, an invalid entry).', registers: [registry] });
    new Gauge({
      name: 'taskguard_audit_writable', help: '1 while the audit log takes records, 0 once it is closed or its sink failed (every operation is then refused).', registers: [registry],
      collect() {
        this.set(writable() ? 1 : 0);
      },
    });
  }

  /** `log` with each append timed and each failure counted; the append's result and throw pass through. */
  timed<E, R>(log: Appends<E, R>): Appends<E, R> {
    return {
      append: (entry) => {
        const started = process.hrtime.bigint();
        try {
          return log.append(entry);
        } catch (err) {
          this.#failures.inc();
          throw err;
        } finally {
          this.#latency.observe(0, Number(process.hrtime.bigint() - started) / 1e9);
        }
      },
    };
  }
}
