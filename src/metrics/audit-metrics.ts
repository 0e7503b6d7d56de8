import { Counter, Gauge, type Registry } from 'prom-client';
import { CellHistogram } from './cell-histogram.js';
import { AUDIT_BUCKETS_S } from './labels.js';

/** Anything with the AuditLog's append: the guard's and the activator's view of it. */
export interface Appends<E, R> {
  append(entry: E): R;
}

/**
 * One append in this many is timed. A clock read costs 60 to 150 ns on the VMs measured here (two per
 * timing), against a decision of about 10 us that already pays two for its own evaluation time: timing
 * every append would be the largest per-decision cost of metrics. A latency distribution needs samples, not
 * every event; the count of appends stays exact.
 */
export const AUDIT_TIMING_SAMPLE = 16;

/**
 * How many appends the audit log took, how long a sample of them took, and how many failed. An append is
 * synchronous (the record is built, hashed and queued to the sink), so timing the call times the part a
 * request waits for; a failed append is a request refused (the guard fails closed on it), and the sink's
 * own failure shows as `writable` 0.
 */
export class AuditMetrics {
  readonly #latency: CellHistogram;
  readonly #failures: Counter;
  /** Appends since the last scrape, and in all (which appends are timed). */
  #pending = 0;
  #appends = 0;

  constructor(registry: Registry, writable: () => boolean) {
    const metrics = this;
    new Counter({
      name: 'taskguard_audit_appends_total', help: 'Audit appends (every record the guard and the activator handed the log, failed ones included).', registers: [registry],
      collect() {
        this.inc(metrics.#pending);
        metrics.#pending = 0;
      },
    });
    this.#latency = new CellHistogram(registry, {
      name: 'taskguard_audit_append_duration_seconds', buckets: AUDIT_BUCKETS_S,
      help: `Wall time of one audit append (build, hash and queue the record), timed for one append in ${AUDIT_TIMING_SAMPLE}.`,
    });
    this.#failures = new Counter({ name: 'taskguard_audit_append_failures_total', help: 'Audit appends that threw (the log closed, its sink failed, an invalid entry).', registers: [registry] });
    new Gauge({
      name: 'taskguard_audit_writable', help: '1 while the audit log takes records, 0 once it is closed or its sink failed (every operation is then refused).', registers: [registry],
      collect() {
        this.set(writable() ? 1 : 0);
      },
    });
  }

  /** `log` with each append counted, a sample timed and each failure counted; its result and throw pass through. */
  timed<E, R>(log: Appends<E, R>): Appends<E, R> {
    return {
      append: (entry) => {
        this.#pending++;
        const timed = ++this.#appends % AUDIT_TIMING_SAMPLE === 0;
        const started = timed ? process.hrtime.bigint() : 0n;
        try {
          return log.append(entry);
        } catch (err) {
          this.#failures.inc();
          throw err;
        } finally {
          if (timed) this.#latency.observe(0, Number(process.hrtime.bigint() - started) / 1e9);
        }
      },
    };
  }
}
