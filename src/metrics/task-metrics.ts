import { Counter, Gauge, type Registry } from 'prom-client';
import type { AuditRecord } from '../audit/record.js';
import { END_STATUSES } from './labels.js';

const ENDED: ReadonlySet<string> = new Set(END_STATUSES);

/**
 * Tasks by status, from the lifecycle records this host writes, plus the tasks whose work runs here.
 *
 * Why not a gauge of every status kept from transitions: with a store shared by several hosts (PostgreSQL),
 * a task created here can be cancelled through another host, recovered as an orphan by another, or expired
 * by another's sweep, and this host never sees it; such a gauge drifts, and restarts at 0 while the store
 * still holds the tasks. Why not a collect() over the store: the store contract has no count by status, and
 * one would be a scan of the tasks table per scrape (on SQLite, synchronous, on the event loop), reported
 * identically by every host, so a sum over hosts would count each task once per host.
 *
 * What is exact instead: each task is created once and ends once (the end is a compare-and-set on a live
 * status, so exactly one host records it), so counters of creations and of ends by status are correct on
 * every host and their sum over hosts is the fleet's; and a running task's work lives in exactly one
 * process, so the running gauge summed over hosts is the number of tasks being worked on.
 */
export class TaskMetrics {
  readonly #created: Counter;
  readonly #ended: Counter<'status'>;
  readonly #expired: Counter;

  constructor(registry: Registry, running: () => number) {
    this.#created = new Counter({ name: 'taskguard_tasks_created_total', help: 'Tasks created through this host.', registers: [registry] });
    this.#ended = new Counter({ name: 'taskguard_tasks_ended_total', help: 'Tasks that reached a terminal status through this host, by that status.', labelNames: ['status'], registers: [registry] });
    for (const status of END_STATUSES) this.#ended.inc({ status }, 0);
    this.#expired = new Counter({ name: 'taskguard_tasks_expired_total', help: 'Tasks deleted by this host when their TTL ran out (in any status).', registers: [registry] });
    new Gauge({
      name: 'taskguard_tasks_running', help: 'Tasks whose tool is running in this process (working or input_required).', registers: [registry],
      collect() {
        this.set(running());
      },
    });
  }

  /** An audit listener: sees every record this host appends, after its sink took it. */
  readonly onRecord = (record: AuditRecord): void => {
    if (record.kind !== 'lifecycle') return;
    switch (record.event) {
      case 'created':
        return void this.#created.inc();
      case 'expired':
        return void this.#expired.inc();
      case 'status':
      case 'cancelled':
      case 'orphaned':
        // `status` records come with every progress message too; only a terminal one is an end.
        if (record.status !== undefined && ENDED.has(record.status)) this.#ended.inc({ status: record.status });
        return;
      default:
        return;
    }
  };
}
