import type { TaskOwner, TaskStatus } from '../decision/types.js';
import { ownerKey } from '../identity/principal.js';
import { deepFreeze } from '../util/freeze.js';
import { TERMINAL_STATUSES, type CreateResult, type GetOptions, type LeaseClaim, type ListPosition, type ListScope, type StatusPatch, type TaskRecord, type TaskStore } from './types.js';

/**
 * In-memory TaskStore for tests and single-process hosts. Records are copied in once and stored deep-frozen,
 * and every change stores a new frozen record: readers get the stored record itself, no copy per read (a
 * poll is the commonest request), and still no caller can change stored state except through the methods.
 * Per-owner and per-tenant indexes keep listing inside the scope before paging.
 */
export class MemoryTaskStore implements TaskStore {
  readonly #tasks = new Map<string, TaskRecord>();
  readonly #byOwner = new Map<string, Set<string>>();
  readonly #byTenant = new Map<string, Set<string>>();
  /** Non-terminal tasks per owner: the live-task cap counts these, not every task the owner ever had. */
  readonly #liveByOwner = new Map<string, Set<string>>();
  /** owner key + NUL + idempotency key -> task id. */
  readonly #byIdempotencyKey = new Map<string, string>();

  /** No leases here: a memory store's tasks end with the process that runs them. */
  async create(record: TaskRecord, _claim?: LeaseClaim): Promise<CreateResult> {
    const keyed = record.idempotency ? `${ownerKey(record.owner)}\0${record.idempotency.key}` : undefined;
    const holder = keyed === undefined ? undefined : this.#tasks.get(this.#byIdempotencyKey.get(keyed) ?? '');
    if (holder) return { created: false, record: holder };
    if (this.#tasks.has(record.id)) throw new Error('task id already exists');
    const stored = deepFreeze(structuredClone(record));
    this.#tasks.set(record.id, stored);
    index(this.#byOwner, ownerKey(record.owner)).add(record.id);
    index(this.#byTenant, record.owner.tenant).add(record.id);
    if (!TERMINAL_STATUSES.has(record.status)) index(this.#liveByOwner, ownerKey(record.owner)).add(record.id);
    if (keyed !== undefined) this.#byIdempotencyKey.set(keyed, record.id);
    return { created: true, record: stored };
  }

  async get(id: string, options?: GetOptions): Promise<TaskRecord | undefined> {
    const record = this.#tasks.get(id);
    if (!record) return undefined;
    if (options?.outcome !== false || record.outcome === undefined) return record;
    const { outcome: _outcome, ...rest } = record;
    return Object.freeze(rest);
  }

  async getByIdempotencyKey(owner: TaskOwner, key: string): Promise<TaskRecord | undefined> {
    const record = this.#tasks.get(this.#byIdempotencyKey.get(`${ownerKey(owner)}\0${key}`) ?? '');
    return record;
  }

  async list(scope: ListScope, nowMs: number, after: ListPosition | undefined, limit: number): Promise<{ records: TaskRecord[]; more: boolean }> {
    const ids = scope.kind === 'owner' ? this.#byOwner.get(ownerKey(scope.owner)) : this.#byTenant.get(scope.tenant);
    const inScope = [...(ids ?? [])]
      .map((id) => this.#tasks.get(id))
      .filter((r): r is TaskRecord => r !== undefined && r.expiresMs > nowMs)
      .filter((r) => after === undefined || comparePosition(r, after) > 0)
      .sort(comparePosition);
    return { records: inScope.slice(0, limit), more: inScope.length > limit };
  }

  async transition(id: string, from: readonly TaskStatus[], patch: StatusPatch, nowMs: number): Promise<TaskRecord | undefined> {
    const record = this.#tasks.get(id);
    if (!record || !from.includes(record.status)) return undefined;
    if (TERMINAL_STATUSES.has(record.status)) return undefined;
    const next = deepFreeze({ ...record, ...structuredClone(patch), updatedMs: nowMs });
    this.#tasks.set(id, next);
    if (TERMINAL_STATUSES.has(next.status)) this.#liveByOwner.get(ownerKey(next.owner))?.delete(id);
    return next;
  }

  async recordResultRead(id: string, revoke: boolean): Promise<TaskRecord | undefined> {
    const record = this.#tasks.get(id);
    if (!record) return undefined;
    if (revoke && record.resultsRead >= 1) return undefined;
    const answer = Object.freeze({ ...record, resultsRead: record.resultsRead + 1 });
    if (revoke) {
      // The payload leaves with this answer and is gone from the store.
      const { outcome: _outcome, ...rest } = answer;
      this.#tasks.set(id, Object.freeze({ ...rest, revoked: true }));
    } else {
      this.#tasks.set(id, answer);
    }
    return answer;
  }

  async delete(id: string): Promise<boolean> {
    const record = this.#tasks.get(id);
    if (!record) return false;
    this.#tasks.delete(id);
    this.#byOwner.get(ownerKey(record.owner))?.delete(id);
    this.#byTenant.get(record.owner.tenant)?.delete(id);
    this.#liveByOwner.get(ownerKey(record.owner))?.delete(id);
    if (record.idempotency) this.#byIdempotencyKey.delete(`${ownerKey(record.owner)}\0${record.idempotency.key}`);
    return true;
  }

  async expired(nowMs: number, limit: number): Promise<string[]> {
    const out: string[] = [];
    for (const record of this.#tasks.values()) {
      if (out.length >= limit) break;
      if (record.expiresMs <= nowMs) out.push(record.id);
    }
    return out;
  }

  async countLive(owner: TaskOwner, nowMs: number): Promise<number> {
    let count = 0;
    for (const id of this.#liveByOwner.get(ownerKey(owner)) ?? []) {
      const record = this.#tasks.get(id);
      if (record && record.expiresMs > nowMs && !TERMINAL_STATUSES.has(record.status)) count += 1;
    }
    return count;
  }
}

function comparePosition(a: ListPosition, b: ListPosition): number {
  return a.createdMs - b.createdMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function index(map: Map<string, Set<string>>, key: string): Set<string> {
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  return set;
}
