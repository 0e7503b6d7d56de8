import type { LeasedTaskStore, TaskRecord } from '../stores/types.js';
import type { Workers } from './workers.js';

/** What a lease pass needs of the guard: its running work, its clock, and where settled tasks are told. */
export interface LeaseHost {
  readonly workers: Workers;
  now(): number;
  lifecycle(event: 'orphaned', record: TaskRecord): void;
  changed(record: TaskRecord): void;
}

/** How many orphans one pass settles: recovery after a big host's death is spread over several passes. */
const ORPHAN_BATCH = 200;

/**
 * Keeps this host's claim on the tasks it runs in a shared (or restartable) store, and settles the tasks of
 * hosts that went away. Each pass renews one lease for all running tasks; a running task the renewal no
 * longer finds was settled elsewhere (cancelled through another host, recovered, expired) and its work is
 * stopped here, which is how a cancel through host 2 stops the tool running on host 1.
 */
export class LeaseKeeper {
  constructor(
    private readonly core: LeaseHost,
    private readonly store: LeasedTaskStore,
    readonly instanceId: string,
    readonly leaseMs: number,
  ) {}

  /** One pass: renew, stop what was settled elsewhere, fail the orphans of hosts whose lease lapsed. */
  async pass(): Promise<{ stopped: number; orphaned: number }> {
    // Snapshot before the renewal: a task claimed after the query started is not in its answer, and must
    // not be mistaken for one settled elsewhere.
    const running = this.core.workers.runningIds();
    const held = new Set(await this.store.renewLeases(this.instanceId, this.leaseMs, this.core.now()));
    let stopped = 0;
    for (const id of running) {
      if (held.has(id) || !this.core.workers.isRunning(id)) continue;
      this.core.workers.abort(id, 'task was settled by another host');
      this.core.workers.changed(id);
      stopped += 1;
    }
    const orphans = await this.store.recoverOrphans(this.core.now(), ORPHAN_BATCH);
    for (const orphan of orphans) {
      this.core.lifecycle('orphaned', orphan);
      this.core.changed(orphan);
    }
    return { stopped, orphaned: orphans.length };
  }
}
