import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Database as Connection, Statement } from 'better-sqlite3';
import type { TaskOwner, TaskStatus } from '../decision/types.js';
import { migrate } from './sqlite-schema.js';
import { displayText, toParams, toRecord, type TaskParams, type TaskRow } from './sqlite-rows.js';
import { SQL } from './sqlite-sql.js';
import {
  ORPHAN_ERROR_CODE, ORPHAN_STATUS_MESSAGE, type CreateResult, type GetOptions, type LeaseClaim, type LeasedTaskStore, type ListPosition, type ListScope, type StatusPatch,
  type TaskRecord,
} from './types.js';

export interface SqliteStoreOptions {
  /** How long a statement waits for another process's write lock before failing; default 5000 ms. */
  busyTimeoutMs?: number;
  /**
   * NORMAL (default): in WAL mode commits are not fsynced one by one, only at checkpoints. A crashed
   * process loses nothing (its commits are in the WAL, in the OS's hands); a power loss or OS crash can
   * roll back the last commits, never corrupt the file. FULL fsyncs every commit. Revoking result reads
   * commit with FULL either way (see recordResultRead).
   */
  synchronous?: 'NORMAL' | 'FULL';
}

type Named = Record<string, string | number | null>;
type Statements = { [K in keyof typeof SQL]: Statement<unknown[], unknown> };

/**
 * TaskStore on one SQLite file (better-sqlite3, WAL). Several handles, in one process or several, can share
 * the file: every status change is a single conditional statement, so compare-and-set holds across them.
 * better-sqlite3 is synchronous; the async methods keep the TaskStore interface shared with network stores.
 */
export class SqliteTaskStore implements LeasedTaskStore {
  readonly #db: Connection;
  readonly #synchronous: 'NORMAL' | 'FULL';
  readonly #stmt: Statements;
  readonly #readOnce: (id: string) => TaskRecord | undefined;
  readonly #createKeyed: (params: TaskParams) => CreateResult;

  private constructor(db: Connection, synchronous: 'NORMAL' | 'FULL') {
    this.#db = db;
    this.#synchronous = synchronous;
    const entries = Object.entries(SQL).map(([name, sql]) => [name, db.prepare(sql)] as const);
    this.#stmt = Object.fromEntries(entries) as Statements;
    // IMMEDIATE takes the write lock before the SELECT, so the outcome read here is the one the UPDATE
    // drops: no other handle can write in between. The UPDATE's results_read = 0 still decides who wins.
    this.#readOnce = db.transaction((id: string) => {
      const before = this.#stmt.get.get(id) as TaskRow | undefined;
      if (!before) return undefined;
      const after = this.#stmt.readOnce.get({ id }) as TaskRow | undefined;
      if (!after) return undefined;
      return toRecord({ ...after, outcome: before.outcome });
    }).immediate;
    // Look-up and insert under one write lock: of two racing creates with one key, one inserts and the
    // other finds its row (the unique index would refuse a second row anyway).
    this.#createKeyed = db.transaction((params: TaskParams) => {
      const holder = this.#stmt.byIdempotencyKey.get({
        tenant: params.tenant, sub: params.sub, client_id: params.client_id, idempotency_key: params.idempotency_key,
      }) as TaskRow | undefined;
      if (holder) return { created: false as const, record: toRecord(holder) };
      this.#insert(params);
      return { created: true as const, record: toRecord(params) };
    }).immediate;
  }

  #insert(params: TaskParams): void {
    try {
      this.#stmt.insert.run(params);
    } catch (err) {
      if ((err as { code?: unknown }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new Error('task id already exists');
      throw err;
    }
  }

  /** Opens (creating it, mode 0600, and its folder, 0700) and migrates the database file. */
  static async open(file: string, options: SqliteStoreOptions = {}): Promise<SqliteTaskStore> {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    // Create the file ourselves so it is private from the first byte; SQLite gives the -wal and -shm files
    // it creates later the same mode as the database file.
    try {
      closeSync(openSync(file, 'wx', 0o600));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const db = new Database(file);
    try {
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      // WAL lets readers run beside the one writer; without it (some network file systems) they block.
      if (mode !== 'wal') throw new Error(`SQLite could not use WAL mode for ${file} (got ${String(mode)})`);
      const synchronous = options.synchronous ?? 'NORMAL';
      db.pragma(`synchronous = ${synchronous}`);
      db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
      migrate(db, Date.now());
      return new SqliteTaskStore(db, synchronous);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    this.#db.close();
  }

  async create(record: TaskRecord, claim?: LeaseClaim): Promise<CreateResult> {
    const params: TaskParams = toParams(record, claim);
    if (params.idempotency_key !== null) return this.#createKeyed(params);
    this.#insert(params);
    return { created: true, record: toRecord(params) };
  }

  async get(id: string, options?: GetOptions): Promise<TaskRecord | undefined> {
    const row = (options?.outcome === false ? this.#stmt.getWithoutOutcome : this.#stmt.get).get(id) as TaskRow | undefined;
    return row ? toRecord(row) : undefined;
  }

  async getByIdempotencyKey(owner: TaskOwner, key: string): Promise<TaskRecord | undefined> {
    const row = this.#stmt.byIdempotencyKey.get({ tenant: owner.tenant, sub: owner.sub, client_id: owner.client_id, idempotency_key: key }) as TaskRow | undefined;
    return row ? toRecord(row) : undefined;
  }

  async list(scope: ListScope, nowMs: number, after: ListPosition | undefined, limit: number): Promise<{ records: TaskRecord[]; more: boolean }> {
    const take = Math.max(0, Math.floor(limit));
    const params: Named = {
      now: nowMs,
      // No position: before every row (the row-value comparison then matches all of them).
      after_ms: after?.createdMs ?? -Infinity,
      after_id: after?.id ?? '',
      // One more than asked, to learn whether another page follows.
      limit: take + 1,
      tenant: scope.kind === 'owner' ? scope.owner.tenant : scope.tenant,
    };
    const rows = (scope.kind === 'owner'
      ? this.#stmt.listByOwner.all({ ...params, sub: scope.owner.sub, client_id: scope.owner.client_id })
      : this.#stmt.listByTenant.all(params)) as TaskRow[];
    return { records: rows.slice(0, take).map(toRecord), more: rows.length > take };
  }

  async transition(id: string, from: readonly TaskStatus[], patch: StatusPatch, nowMs: number): Promise<TaskRecord | undefined> {
    const row = this.#stmt.transition.get({
      id,
      from: JSON.stringify(from),
      now: nowMs,
      set_status: patch.status === undefined ? 0 : 1,
      status: patch.status ?? null,
      set_message: 'statusMessage' in patch ? 1 : 0,
      status_message: patch.statusMessage === undefined ? null : displayText(patch.statusMessage),
      set_outcome: 'outcome' in patch ? 1 : 0,
      outcome: patch.outcome === undefined ? null : JSON.stringify(patch.outcome),
    }) as TaskRow | undefined;
    return row ? toRecord(row) : undefined;
  }

  async recordResultRead(id: string, revoke: boolean): Promise<TaskRecord | undefined> {
    if (!revoke) {
      const row = this.#stmt.read.get({ id }) as TaskRow | undefined;
      return row ? toRecord(row) : undefined;
    }
    // A read-once result must stay read after a power loss: under NORMAL the revoking commit could be
    // rolled back and the result served a second time, so this one commit is fsynced (reads are rare).
    if (this.#synchronous === 'FULL') return this.#readOnce(id);
    this.#db.pragma('synchronous = FULL');
    try {
      return this.#readOnce(id);
    } finally {
      this.#db.pragma(`synchronous = ${this.#synchronous}`);
    }
  }

  async delete(id: string): Promise<boolean> {
    return this.#stmt.delete.run(id).changes > 0;
  }

  async expired(nowMs: number, limit: number): Promise<string[]> {
    const rows = this.#stmt.expired.all(nowMs, Math.max(0, Math.floor(limit))) as { id: string }[];
    return rows.map((r) => r.id);
  }

  async countLive(owner: TaskOwner, nowMs: number): Promise<number> {
    const row = this.#stmt.countLive.get(owner.tenant, owner.sub, owner.client_id, nowMs) as { n: number } | undefined;
    return row?.n ?? 0;
  }

  async claim(id: string, instanceId: string, leaseMs: number, nowMs: number): Promise<boolean> {
    return this.#stmt.claim.run({ id, instance: instanceId, until: nowMs + leaseMs }).changes > 0;
  }

  async renewLeases(instanceId: string, leaseMs: number, nowMs: number): Promise<string[]> {
    return (this.#stmt.renew.all({ instance: instanceId, until: nowMs + leaseMs }) as { id: string }[]).map((r) => r.id);
  }

  async recoverOrphans(nowMs: number, limit: number): Promise<TaskRecord[]> {
    const rows = this.#stmt.recover.all({
      now: nowMs,
      limit: Math.max(0, Math.floor(limit)),
      message: ORPHAN_STATUS_MESSAGE,
      outcome: JSON.stringify({ kind: 'error', code: ORPHAN_ERROR_CODE, message: ORPHAN_STATUS_MESSAGE }),
    }) as TaskRow[];
    return rows.map(toRecord);
  }
}
