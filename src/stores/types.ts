import type { TaskOwner, TaskStatus } from '../decision/types.js';

/** The final answer of a task's underlying request: what tasks/result returns, success or JSON-RPC error. */
export type TaskOutcome =
  | { kind: 'result'; result: Record<string, unknown> }
  | { kind: 'error'; code: number; message: string };

/** A task as the store keeps it: the binding recorded at creation plus its lifecycle. */
export interface TaskRecord {
  id: string;
  tool: string;
  owner: TaskOwner;
  /** The creator's scopes at creation: the ceiling for chained calls. */
  scopes: readonly string[];
  status: TaskStatus;
  statusMessage?: string;
  createdMs: number;
  updatedMs: number;
  ttlMs: number;
  expiresMs: number;
  pollIntervalMs: number;
  resultsRead: number;
  outcome?: TaskOutcome;
  /** The result payload was dropped after a single read. */
  revoked: boolean;
  /** Set when the creator sent an idempotency key: the key and a digest of the request it created. */
  idempotency?: Idempotency;
}

/**
 * A creator's idempotency key, unique per owner (tenant, sub, client_id): the same key from another owner is
 * a different key. `digest` identifies the request (tool, arguments, TTL) so a reused key with a different
 * request is refused instead of answered with the wrong task.
 */
export interface Idempotency {
  key: string;
  digest: string;
}

/**
 * A LeasedTaskStore binds a task to the host that will run it in the same write that creates it, so a host
 * dying between the two leaves no unclaimed task behind. Stores without leases ignore it.
 */
export interface LeaseClaim {
  instanceId: string;
  leaseUntilMs: number;
}

export interface GetOptions {
  /** Default true. */
  outcome?: boolean;
}

/** get() options for callers that decide on the binding and status only. */
export const NO_OUTCOME: Readonly<GetOptions> = Object.freeze({ outcome: false });

/** The statuses a task never leaves. */
export const TERMINAL_STATUSES: ReadonlySet<TaskStatus> = new Set(['completed', 'failed', 'cancelled']);

/** What create did: stored the record, or found the owner's live task already holding its idempotency key. */
export type CreateResult = { created: true; record: TaskRecord } | { created: false; record: TaskRecord };

/** Which tasks a listing may see: one owner's, or (for a supervisor granted list) one tenant's. */
export type ListScope =
  | { kind: 'owner'; owner: TaskOwner }
  | { kind: 'tenant'; tenant: string };

/** A position in a listing: tasks are ordered by (createdMs, id). */
export interface ListPosition {
  createdMs: number;
  id: string;
}

export type StatusPatch = Partial<Pick<TaskRecord, 'status' | 'statusMessage' | 'outcome'>>;

/**
 * The owner-aware store. Every read that can return several tasks takes the owner scope as part of the
 * query, so filtering happens before paging and no caller ever holds another owner's records. Status
 * changes are compare-and-set on the current status, so a terminal state stays final under races.
 */
export interface TaskStore {
  /**
   * Stores a new task; a duplicate id throws. With `record.idempotency`, the owner's existing task holding
   * that key (expired or not: the caller decides) is returned instead, atomically, so two racing creates
   * with one key store one task.
   */
  create(record: TaskRecord, claim?: LeaseClaim): Promise<CreateResult>;
  /**
   * The task, or undefined. With `{ outcome: false }` the result payload is left out (the record then has no
   * `outcome`): what every caller needing only the binding and status asks, and polls do that on every call.
   */
  get(id: string, options?: GetOptions): Promise<TaskRecord | undefined>;
  /** The owner's task holding an idempotency key (expired or not), if any; never another owner's. */
  getByIdempotencyKey(owner: TaskOwner, key: string): Promise<TaskRecord | undefined>;
  /** Live tasks (expiresMs > nowMs) in scope, after `after`, in (createdMs, id) order, at most `limit`. */
  list(scope: ListScope, nowMs: number, after: ListPosition | undefined, limit: number): Promise<{ records: TaskRecord[]; more: boolean }>;
  /** Applies `patch` only while the status is one of `from`; undefined when the task is gone or moved on. */
  transition(id: string, from: readonly TaskStatus[], patch: StatusPatch, nowMs: number): Promise<TaskRecord | undefined>;
  /**
   * Counts a result read; with `revoke`, only the first read succeeds and the payload is dropped. updatedMs
   * (the task's lastUpdatedAt) stays: reading a result changes nothing a requestor sees of the task.
   */
  recordResultRead(id: string, revoke: boolean): Promise<TaskRecord | undefined>;
  delete(id: string): Promise<boolean>;
  /** Ids of tasks with expiresMs <= nowMs, at most `limit` (a bounded sweep). */
  expired(nowMs: number, limit: number): Promise<string[]>;
  /** Non-terminal, unexpired tasks of one owner: the live-task cap. */
  countLive(owner: TaskOwner, nowMs: number): Promise<number>;
}

/** What a recovered orphan reads as: its status message and the error tasks/result returns for it. */
export const ORPHAN_STATUS_MESSAGE = 'the host running this task stopped before it finished';
/** JSON-RPC internal error: the work did not fail on its own, its host went away. */
export const ORPHAN_ERROR_CODE = -32603;

/**
 * A store shared by several host instances (or one that restarts). Each instance claims the tasks it runs
 * and keeps renewing one lease for all of them; a task whose lease lapsed has no host working on it any
 * more (the work lived in that process), so recoverOrphans settles it as failed instead of leaving it
 * `working` until its TTL runs out. Leases are invisible in TaskRecord: they are the hosts' business, not
 * the policy's.
 */
export interface LeasedTaskStore extends TaskStore {
  /**
   * Binds a non-terminal task to `instanceId` with a lease until nowMs + leaseMs. False when the task is
   * gone or terminal, or already bound to another instance: a lapsed task is an orphan to recover, never
   * something a second host can take over, because the work itself cannot move.
   */
  claim(id: string, instanceId: string, leaseMs: number, nowMs: number): Promise<boolean>;
  /**
   * Extends the lease of every non-terminal task of `instanceId` to nowMs + leaseMs and returns their ids:
   * a task running here but missing from the answer was settled elsewhere (cancelled through another host,
   * recovered as an orphan, expired) and its work should stop.
   */
  renewLeases(instanceId: string, leaseMs: number, nowMs: number): Promise<string[]>;
  /**
   * Fails non-terminal tasks whose lease ended at or before nowMs (at most `limit`, a bounded batch) with
   * ORPHAN_STATUS_MESSAGE and an ORPHAN_ERROR_CODE outcome; returns the records it changed. Each orphan is
   * returned by exactly one call, whichever handle makes it. Tasks never claimed are left alone.
   */
  recoverOrphans(nowMs: number, limit: number): Promise<TaskRecord[]>;
}

export function isLeasedTaskStore(store: TaskStore): store is LeasedTaskStore {
  const candidate = store as Partial<LeasedTaskStore>;
  return typeof candidate.claim === 'function' && typeof candidate.renewLeases === 'function' && typeof candidate.recoverOrphans === 'function';
}
