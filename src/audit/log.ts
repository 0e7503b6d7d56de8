import { TaskguardError, describeError } from '../errors.js';
import { buildRecord, GENESIS_HASH, type AuditEntry, type AuditHead, type AuditRecord } from './record.js';

/**
 * Where records go first, before any listener. `write` is called synchronously in seq order and must only
 * queue: I/O failures surface through `failure` (so the next append fails closed) and through the promises.
 */
export interface AuditSink {
  write(record: AuditRecord): void;
  /** Resolves once the record with this seq is as durable as the sink's policy promises. */
  whenDurable(seq: number): Promise<void>;
  /** Resolves once everything written so far is on disk (fsynced), whatever the policy. */
  flush(): Promise<void>;
  close(): Promise<void>;
  /** Set once the sink can take no more records. */
  readonly failure: TaskguardError | null;
  /** Registers the one call the sink makes when it fails, so a failure is reported even if nobody appends. */
  onFailure?(listener: (error: TaskguardError) => void): void;
}

export type AuditListener = (record: AuditRecord) => void | Promise<void>;

/** What openAuditLog repaired in a log a crash had left behind: a torn last line, or an unfinished rotation. */
export interface AuditRecovery {
  /** The line that was cut (1-based); 0 when nothing was cut. */
  line: number;
  /** How many bytes were cut. */
  bytes: number;
  detail: string;
}

export interface AuditLogOptions {
  /** Omitted: records go to listeners only. */
  sink?: AuditSink;
  /** Epoch milliseconds; tests pin it. */
  clock?: () => number;
  /** Listener and sink failures, each reported once; default: a process warning. */
  onError?: (error: TaskguardError) => void;
  /** Continue an existing chain after this record. */
  start?: AuditHead;
  /** Used when an entry carries no policy_revision / data_revision of its own. */
  policyRevision?: string;
  dataRevision?: string;
  /** decision_id for decision entries that bring none; default crypto.randomUUID. */
  newId?: () => string;
  /** Set by openAuditLog when it repaired what a crash left. */
  recovered?: AuditRecovery | null;
}

interface Listener {
  fn: AuditListener;
  reported: boolean;
}

/**
 * The append-only, hash-chained audit log. `append` is synchronous, so records get seqs in call order even
 * when many async requests append at once, and a record is built and hashed before its caller goes on.
 */
export class AuditLog {
  readonly recovered: AuditRecovery | null;
  private seq: number;
  private lastHash: string;
  private readonly listeners: Listener[] = [];
  private readonly sink: AuditSink | undefined;
  private readonly clock: () => number;
  private readonly reportError: (error: TaskguardError) => void;
  private closed: Promise<void> | undefined;

  constructor(private readonly options: AuditLogOptions = {}) {
    this.sink = options.sink;
    this.clock = options.clock ?? Date.now;
    this.reportError = options.onError ?? ((error) => process.emitWarning(error.message, { code: error.code }));
    this.seq = options.start?.seq ?? 0;
    this.lastHash = options.start?.hash ?? GENESIS_HASH;
    this.recovered = options.recovered ?? null;
    this.sink?.onFailure?.((error) => this.safeReport(error));
  }

  /** The last record's seq and hash. */
  /** Whether append would accept a record now: the log is open and its sink has not failed (readiness). */
  get writable(): boolean {
    return !this.closed && !this.sink?.failure;
  }

  get head(): AuditHead {
    return { seq: this.seq, hash: this.lastHash };
  }

  /**
   * Chains `entry` as the next record and hands it to the sink, then to each listener. Throws `audit_invalid`
   * for a malformed entry and `audit_io` once the log is closed or its sink has failed: callers that must
   * not act unaudited (the guard) fail closed on a throw.
   */
  append(entry: AuditEntry): AuditRecord {
    if (this.closed) throw new TaskguardError('audit_io', 'audit log is closed');
    const failure = this.sink?.failure;
    if (failure) throw new TaskguardError('audit_io', `audit log unavailable: ${failure.message}`, { cause: failure });
    const timeMs = Math.trunc(this.clock());
    if (!Number.isFinite(timeMs)) throw new TaskguardError('audit_invalid', 'audit clock returned a non-finite time');
    const record = buildRecord(entry, {
      seq: this.seq + 1,
      timeMs,
      prevHash: this.lastHash,
      policyRevision: this.options.policyRevision,
      dataRevision: this.options.dataRevision,
      newId: this.options.newId,
    });
    // Advance only once the record is built and queued: an invalid entry or a refusing sink leaves no gap.
    this.sink?.write(record);
    this.seq = record.seq;
    this.lastHash = record.hash;
    // A copy, so a listener that unsubscribes while being called does not make the next one miss this record.
    if (this.listeners.length > 0) for (const listener of [...this.listeners]) this.notify(listener, record);
    return record;
  }

  /** Adds a listener called with every record after the sink; returns a function that removes it. */
  onRecord(listener: AuditListener): () => void {
    const entry: Listener = { fn: listener, reported: false };
    this.listeners.push(entry);
    return () => {
      const i = this.listeners.indexOf(entry);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Resolves once record `seq` (default: the last one) is as durable as the sink's policy promises. */
  async whenDurable(seq: number = this.seq): Promise<void> {
    if (this.sink) await this.sink.whenDurable(seq);
  }

  /** Resolves once every record appended so far is written and fsynced; rejects (audit_io) if the sink failed. */
  async flush(): Promise<void> {
    if (this.sink) await this.sink.flush();
  }

  /** Flushes and closes the sink; later appends throw. Safe to call twice. */
  close(): Promise<void> {
    this.closed ??= this.sink ? this.sink.close() : Promise.resolve();
    return this.closed;
  }

  private notify(listener: Listener, record: AuditRecord): void {
    try {
      const result = listener.fn(record);
      if (result && typeof (result as Promise<void>).then === 'function') {
        (result as Promise<void>).then(undefined, (err: unknown) => this.listenerFailed(listener, err));
      }
    } catch (err) {
      this.listenerFailed(listener, err);
    }
  }

  // Once per listener: a broken forwarder would otherwise report on every decision.
  private listenerFailed(listener: Listener, err: unknown): void {
    if (listener.reported) return;
    listener.reported = true;
    this.safeReport(new TaskguardError('audit_io', `audit listener failed: ${describeError(err)}`, { cause: err }));
  }

  private safeReport(error: TaskguardError): void {
    try {
      this.reportError(error);
    } catch {
      // An onError that throws must not turn a listener's failure into the caller's.
    }
  }
}
