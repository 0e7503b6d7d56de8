import { TaskguardError, describeError } from '../errors.js';
import { checkChainName } from './chain-name.js';
import type { AuditTable } from './db-table.js';
import type { AuditSink } from './log.js';
import { SeqWaiters } from './seq-waiters.js';
import { GENESIS_HASH, recordLine, type AuditHead, type AuditRecord } from './record.js';

export interface DbAuditSinkOptions {
  /**
   * How long a failing commit is retried (connection dropped, failover, lock timeout) before the sink fails
   * for good and the log fails closed; default 15000 ms. Appends keep queuing meanwhile, up to maxPending.
   */
  retryForMs?: number;
  /** Records queued while commits fail, at most; one more fails the sink. Default 100000. */
  maxPending?: number;
  /** Told once per outage that commits are failing and being retried (the error has no secrets). */
  onRetry?: (error: TaskguardError) => void;
  /**
   * Run by the writer loop once `every` more records have committed, between commits, so it never races
   * them (pruning runs here). What it throws is dropped; it reports its own failures.
   */
  afterCommits?: { every: number; run: () => Promise<void> } | undefined;
}

/**
 * Writes records to an AuditTable through one writer loop: whatever was queued while the previous commit
 * ran goes in the next one, as a single transaction, so a high decision rate costs few commits. A record is
 * durable once its transaction committed; there is no separate fsync step as for a file.
 *
 * The sink owns the table: close() closes it.
 */
export class DbAuditSink implements AuditSink {
  private pending: string[] = [];
  private pendingLast: AuditHead;
  private committed: AuditHead;
  private running = false;
  private scheduled = false;
  /** The writer loop in progress, which close() lets finish (it may be running afterCommits). */
  private loop: Promise<void> = Promise.resolve();
  /** seq at which afterCommits last ran. */
  private hookedAt: number;
  private readonly waiters = new SeqWaiters<'committed'>();
  private failureListeners: ((error: TaskguardError) => void)[] = [];
  private closing: Promise<void> | undefined;
  failure: TaskguardError | null = null;

  /** `start`: the chain's last committed record, as verified (seq 0 and the genesis hash for a new chain). */
  private readonly retryForMs: number;
  private readonly maxPending: number;

  constructor(
    private readonly table: AuditTable,
    readonly chain: string,
    start: AuditHead = { seq: 0, hash: GENESIS_HASH },
    private readonly options: DbAuditSinkOptions = {},
  ) {
    checkChainName(chain);
    this.retryForMs = options.retryForMs ?? 15_000;
    this.maxPending = options.maxPending ?? 100_000;
    this.pendingLast = start;
    this.committed = start;
    this.hookedAt = start.seq;
  }

  write(record: AuditRecord): void {
    if (this.failure) throw this.failure;
    if (this.closing) throw new TaskguardError('audit_io', 'audit log is closed');
    if (record.seq !== this.pendingLast.seq + 1) {
      throw new TaskguardError('audit_invalid', `audit chain ${this.chain} expects seq ${this.pendingLast.seq + 1}, got ${record.seq}`);
    }
    if (this.pending.length >= this.maxPending) {
      this.fail(new Error(`${this.pending.length} records wait for a database that keeps failing`));
      throw this.failure ?? new TaskguardError('audit_io', 'audit log unavailable');
    }
    this.pending.push(recordLine(record));
    this.pendingLast = { seq: record.seq, hash: record.hash };
    this.schedule();
  }

  whenDurable(seq: number): Promise<void> {
    return this.wait(seq);
  }

  flush(): Promise<void> {
    return this.wait(this.pendingLast.seq);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        if (!this.failure) await this.flush();
        await this.loop;
      } finally {
        await this.table.close().catch(() => {});
      }
    })();
    return this.closing;
  }

  onFailure(listener: (error: TaskguardError) => void): void {
    this.failureListeners.push(listener);
  }

  private wait(seq: number): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    // A seq not yet appended would never settle; waiting for everything appended so far is what was meant.
    seq = Math.min(seq, this.pendingLast.seq);
    if (this.committed.seq >= seq) return Promise.resolve();
    return this.waiters.wait(seq, 'committed');
  }

  // Deferred to a microtask so appends made in the same tick share one transaction.
  private schedule(): void {
    if (this.running || this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      if (!this.running) this.loop = this.pump();
    });
  }

  private async pump(): Promise<void> {
    this.running = true;
    try {
      while (this.pending.length > 0 && !this.failure) {
        const batch = this.pending;
        const last = this.pendingLast;
        this.pending = [];
        await this.commit(batch, last);
        this.committed = last;
        this.settle();
        await this.runHook();
      }
    } catch (err) {
      this.fail(err);
    } finally {
      this.running = false;
    }
  }

  /**
   * One batch, retried while the database fails, for at most retryForMs. Before each retry the head row
   * says what happened: still where this writer left it (nothing was written: retry), at this batch's last
   * record (the commit went through and only its answer was lost: done), or anywhere else (another writer
   * appended to the chain: never retry, the chain must not fork).
   */
  private async commit(batch: readonly string[], last: AuditHead): Promise<void> {
    const firstPos = this.committed.seq + 1;
    const deadline = Date.now() + this.retryForMs;
    let delayMs = 50;
    let told = false;
    for (;;) {
      let error: unknown;
      try {
        await this.table.appendBatch(this.chain, firstPos, batch, last);
        return;
      } catch (err) {
        error = err;
      }
      let head: AuditHead | undefined | 'unknown';
      try {
        head = await this.table.readHead(this.chain);
      } catch {
        head = 'unknown'; // still unreachable: nothing to learn, retry if time allows
      }
      if (head !== 'unknown') {
        if (head?.seq === last.seq && head.hash === last.hash) return;
        const at = head?.seq ?? 0;
        if (at !== this.committed.seq || (head !== undefined && head.hash !== this.committed.hash)) throw error;
      }
      if (Date.now() + delayMs > deadline) throw error;
      if (!told) {
        told = true;
        this.options.onRetry?.(new TaskguardError('audit_io', `audit chain ${this.chain}: commit failed, retrying for up to ${this.retryForMs} ms: ${describeError(error)}`));
      }
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      delayMs = Math.min(delayMs * 2, 1000);
    }
  }

  private async runHook(): Promise<void> {
    const hook = this.options.afterCommits;
    if (!hook || this.committed.seq - this.hookedAt < hook.every) return;
    this.hookedAt = this.committed.seq;
    try {
      await hook.run();
    } catch {
      // The hook reports its own failures; a pruning pass that failed must not stop the audit log.
    }
  }

  private settle(): void {
    this.waiters.settle(() => this.committed.seq);
  }

  private fail(err: unknown): void {
    this.failure = new TaskguardError('audit_io', `cannot write audit chain ${this.chain}: ${describeError(err)}`, { cause: err });
    this.waiters.rejectAll(this.failure);
    this.pending = [];
    for (const listener of this.failureListeners) listener(this.failure);
  }
}
