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
}

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
  create(record: TaskRecord): Promise<void>;
  get(id: string): Promise<TaskRecord | undefined>;
  /** Live tasks (expiresMs > nowMs) in scope, after `after`, in (createdMs, id) order, at most `limit`. */
  list(scope: ListScope, nowMs: number, after: ListPosition | undefined, limit: number): Promise<{ records: TaskRecord[]; more: boolean }>;
  /** Applies `patch` only while the status is one of `from`; undefined when the task is gone or moved on. */
  transition(id: string, from: readonly TaskStatus[], patch: StatusPatch, nowMs: number): Promise<TaskRecord | undefined>;
  /** Counts a result read; with `revoke`, only the first read succeeds and the payload is dropped. */
  recordResultRead(id: string, revoke: boolean, nowMs: number): Promise<TaskRecord | undefined>;
  delete(id: string): Promise<boolean>;
  /** Ids of tasks with expiresMs <= nowMs, at most `limit` (a bounded sweep). */
  expired(nowMs: number, limit: number): Promise<string[]>;
  /** Non-terminal, unexpired tasks of one owner: the live-task cap. */
  countLive(owner: TaskOwner, nowMs: number): Promise<number>;
}
