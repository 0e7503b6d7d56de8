import { NO_OUTCOME, type LeasedTaskStore, type TaskRecord } from '../stores/types.js';
import type { Workers } from './workers.js';

/** What a lease pass needs of the guard: its running work, its clock, and where settled tasks are told. */
export interface LeaseHost {
  readonly workers: Workers;
  now(): number;
  lifecycle(event: 'orphaned', record: TaskRecord): void;
  changed(record: TaskRecord): void;
}

/**
 * A store that can tell, as it happens, of a task cancelled through any host (PostgreSQL: LISTEN/NOTIFY).
 * Notices identify a task without naming it; see cancelNotice in stores/postgres-notify.ts.
 */
export interface CancelFeed {
  watchCancels(listener: (notice: string) => void, options: { onError: (err: Error) => void }): () => Promise<void>;
  cancelNotice(taskId: string): string;
}

export function isCancelFeed(store: object): store is CancelFeed {
  const candidate = store as Partial<CancelFeed>;
  return typeof candidate.watchCancels === 'function' && typeof candidate.cancelNotice === 'function';
}

/** Why the work of a task stops here: a lease pass found it settled, or a cancel notice said so first. */
export const SETTLED_ELSEWHERE = 'task was settled by another host';
export const CANCELLED_ELSEWHERE = 'task was cancelled through another host';

const LIVE: ReadonlySet<string> = new Set(['working', 'input_required']);

/** How many orphans one pass settles: recovery after a big host's death is spread over several passes. */
const ORPHAN_BATCH = 200;

/**
 * Keeps this host's claim on the tasks it runs in a shared (or restartable) store, and settles the tasks of
 * hosts that went away. Each pass renews one lease for all running tasks; a running task the renewal no
 * longer finds was settled elsewhere (cancelled through another host, recovered, expired) and its work is
 * stopped here: how a cancel through host 2 stops the tool running on host 1 when no notice came (see
 * watchCancels), or when the notice was lost.
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
      this.core.workers.abort(id, SETTLED_ELSEWHERE);
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

  /**
   * With a store that tells of cancels: stops the work of a task cancelled through another host as soon as
   * the notice arrives, instead of at the next pass. Returns the stop, or undefined when the store cannot tell.
   */
  watchCancels(onError: (err: Error) => void): (() => Promise<void>) | undefined {
    const feed = this.store;
    if (!isCancelFeed(feed)) return undefined;
    return feed.watchCancels((notice) => void this.#cancelled(feed, notice).catch(onError), { onError });
  }

  async #cancelled(feed: CancelFeed, notice: string): Promise<void> {
    for (const id of this.core.workers.runningIds()) {
      if (feed.cancelNotice(id) !== notice) continue;
      // Anyone who can connect to the database can send a notice: it is a hint to look, and the record
      // decides. A task still live keeps running.
      const record = await this.store.get(id, NO_OUTCOME);
      if ((record !== undefined && LIVE.has(record.status)) || !this.core.workers.isRunning(id)) continue;
      this.core.workers.abort(id, CANCELLED_ELSEWHERE);
      this.core.workers.changed(id);
    }
  }
}
