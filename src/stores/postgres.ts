import pg from 'pg';
import { TaskguardError } from '../errors.js';
import { describePgError } from '../util/pg-errors.js';
import type { CustomTypesConfig, Pool, PoolClient, QueryResultRow } from 'pg';
import type { TaskOwner, TaskStatus } from '../decision/types.js';
import { encodeMessage, encodeOutcome, exact, fromRow, integer, storable, toParams, type PgTaskParams, type PgTaskRow } from './postgres-rows.js';
import { checkSchemaName, migrate } from './postgres-schema.js';
import { cancelChannel, cancelNotice, listenOn, type CancelWatchOptions } from './postgres-notify.js';
import { COLUMNS, SQL, type Statement } from './postgres-sql.js';
import {
  ORPHAN_ERROR_CODE, ORPHAN_STATUS_MESSAGE, type CreateResult, type GetOptions, type LeaseClaim, type LeasedTaskStore, type ListPosition, type ListScope, type StatusPatch,
  type TaskRecord,
} from './types.js';

export interface PostgresStoreOptions {
  /** postgres://user:password@host:port/database; never repeated in errors. */
  connectionString: string;
  /** Pool size: connections held at most; default 10. */
  max?: number;
  /** Server-side limit on each statement (statement_timeout); default none. */
  statementTimeoutMs?: number;
  /** The schema holding the tables, created on first open if missing; default 'public'. */
  schema?: string;
}

/** How the store's connections name themselves in pg_stat_activity, for operators (and the fault tests). */
export const APPLICATION_NAME = 'taskguard';

/**
 * Thrown for every failed database operation: one line, the operation, the server's reason, no secrets.
 * A TaskguardError (code store_unavailable) like every other failure, with the server's SQLSTATE beside it.
 */
export class PostgresStoreError extends TaskguardError {
  /** The SQLSTATE, when the server gave one (57P01: the connection was terminated, and so on). */
  readonly sqlstate: string | undefined;

  constructor(message: string, sqlstate: string | undefined) {
    super('store_unavailable', message);
    this.name = 'PostgresStoreError';
    this.sqlstate = sqlstate;
  }
}

const INT8_OID = 20;

/**
 * pg hands BIGINT back as a string, since not every int8 fits a JavaScript number. Every int8 this store
 * reads is a millisecond time, a duration or a count that went in as a safe integer, so it is parsed to a
 * number, and anything outside the safe range fails the query rather than come back rounded.
 */
function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new Error(`integer ${text} is outside JavaScript's safe range`);
  return value;
}

const TYPES = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? parseInt8 : pg.types.getTypeParser(oid, format),
} as CustomTypesConfig;

/** How many ended rate-limit windows one prune statement drops; a prune repeats until a batch is short. */
const PRUNE_BATCH = 5000;

/** Below every safe integer createdMs: a listing without a position starts before all rows. */
const BEFORE_ALL_MS = '-9223372036854775808';

type Value = string | number | boolean | null | readonly string[];
type Args = Record<string, Value>;

/**
 * TaskStore on PostgreSQL through a pg connection pool, for several host instances sharing one database.
 * Every status change is one conditional statement, so compare-and-set holds across hosts; see
 * postgres-sql.ts for how each statement stays correct under READ COMMITTED.
 */
export class PostgresTaskStore implements LeasedTaskStore {
  readonly #pool: Pool;
  readonly #connectionString: string;
  /** Where cancels of this schema are told (see postgres-notify.ts). */
  readonly #cancelChannel: string;
  /** The stops of every cancel watch still listening, so close() ends their connections too. */
  readonly #watches = new Set<() => Promise<void>>();

  private constructor(pool: Pool, connectionString: string, schema: string) {
    this.#pool = pool;
    this.#connectionString = connectionString;
    this.#cancelChannel = cancelChannel(schema);
  }

  /** Connects, creates the schema if it is missing, and migrates it. */
  static async open(options: PostgresStoreOptions): Promise<PostgresTaskStore> {
    const schema = checkSchemaName(options.schema ?? 'public');
    const max = options.max ?? 10;
    if (!Number.isSafeInteger(max) || max < 1) throw new Error('postgres task store: max must be a positive integer');
    const pool = new pg.Pool({
      connectionString: options.connectionString,
      max,
      application_name: APPLICATION_NAME,
      // A startup parameter: every connection has the schema first on its search_path, at no extra round trip.
      options: `-c search_path=${schema}`,
      statement_timeout: options.statementTimeoutMs === undefined ? false : Math.max(0, Math.floor(options.statementTimeoutMs)),
      // A server that does not answer fails the operation after 10 s instead of hanging it.
      connectionTimeoutMillis: 10_000,
      keepAlive: true,
      types: TYPES,
    });
    // An idle connection the server closes (restart, failover, pg_terminate_backend) makes the pool emit
    // 'error'; unheard, that event would crash the process. The pool has already dropped the connection and
    // opens a new one on demand, and a lasting outage shows up in the next operation's error.
    pool.on('error', () => undefined);
    const store = new PostgresTaskStore(pool, options.connectionString, schema);
    try {
      await store.#withClient('open', async (client) => {
        await migrate(client, schema, Date.now());
        // The connection string's own options, if any, override ours: refuse to work in the wrong schema.
        const { rows } = await client.query<{ schema: string | null }>('SELECT current_schema() AS schema');
        if (rows[0]?.schema !== schema) {
          throw new Error(`connections do not use schema "${schema}" (does the connection string set options or search_path?)`);
        }
      });
      return store;
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw store.#fail('open', err);
    }
  }

  /** Closes every connection, the listening ones too; operations still running finish first. */
  async close(): Promise<void> {
    await Promise.all([...this.#watches].map((stop) => stop()));
    await this.#pool.end();
  }

  async create(record: TaskRecord, claim?: LeaseClaim): Promise<CreateResult> {
    const params = toParams(record, claim);
    const stored = params;
    if (params.idempotency_key === null) {
      await this.#run('create', SQL.insert, insertArgs(params));
      return { created: true, record: fromRow(stored) };
    }
    const key = { tenant: params.tenant, sub: params.sub, client_id: params.client_id, idempotency_key: params.idempotency_key };
    // Two statements, so the look-up runs with a snapshot taken after the insert: a holder that committed
    // while the insert waited for it is visible then (one statement's snapshot would predate it). If the
    // holder is deleted in between, the key is free again and the insert is retried.
    for (let attempt = 0; attempt < 5; attempt++) {
      const inserted = await this.#run<{ id: string }>('create', SQL.insertKeyed, insertArgs(params));
      if (inserted.rows.length > 0) return { created: true, record: fromRow(stored) };
      const holder = await this.#run<PgTaskRow>('create', SQL.byIdempotencyKey, key);
      const row = holder.rows[0];
      if (row) return { created: false, record: fromRow(row) };
    }
    throw new PostgresStoreError('postgres task store: create failed: the idempotency key\'s task kept disappearing', undefined);
  }

  async get(id: string, options?: GetOptions): Promise<TaskRecord | undefined> {
    // A value PostgreSQL cannot hold exactly is no stored task's id (create refuses it): nothing to ask.
    if (!storable(id)) return undefined;
    const { rows } = await this.#run<PgTaskRow>('get', options?.outcome === false ? SQL.getWithoutOutcome : SQL.get, { id });
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  async getByIdempotencyKey(owner: TaskOwner, key: string): Promise<TaskRecord | undefined> {
    if (![owner.tenant, owner.sub, owner.client_id, key].every(storable)) return undefined;
    const { rows } = await this.#run<PgTaskRow>('get by idempotency key', SQL.byIdempotencyKey, {
      tenant: owner.tenant, sub: owner.sub, client_id: owner.client_id, idempotency_key: key,
    });
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  async list(scope: ListScope, nowMs: number, after: ListPosition | undefined, limit: number): Promise<{ records: TaskRecord[]; more: boolean }> {
    const take = integer('list limit', Math.max(0, Math.floor(limit)));
    const scoped = scope.kind === 'owner' ? [scope.owner.tenant, scope.owner.sub, scope.owner.client_id] : [scope.tenant];
    if (!scoped.every(storable)) return { records: [], more: false };
    const args: Args = {
      now: integer('now', nowMs),
      after_ms: after === undefined ? BEFORE_ALL_MS : integer('list position createdMs', after.createdMs),
      after_id: after === undefined ? '' : positionId(after.id),
      // One more than asked, to learn whether another page follows.
      limit: take + 1,
      tenant: scope.kind === 'owner' ? scope.owner.tenant : scope.tenant,
    };
    const { rows } = scope.kind === 'owner'
      ? await this.#run<PgTaskRow>('list', SQL.listByOwner, { ...args, sub: scope.owner.sub, client_id: scope.owner.client_id })
      : await this.#run<PgTaskRow>('list', SQL.listByTenant, args);
    return { records: rows.slice(0, take).map(fromRow), more: rows.length > take };
  }

  async transition(id: string, from: readonly TaskStatus[], patch: StatusPatch, nowMs: number): Promise<TaskRecord | undefined> {
    const args: Args = {
      id,
      from: [...from],
      now: integer('now', nowMs),
      set_status: patch.status !== undefined,
      status: patch.status ?? null,
      set_message: 'statusMessage' in patch,
      status_message: patch.statusMessage === undefined ? null : encodeMessage(patch.statusMessage),
      set_outcome: 'outcome' in patch,
      outcome: encodeOutcome(patch.outcome),
    };
    if (!storable(id)) return undefined;
    const { rows } = await this.#run<PgTaskRow>('transition', SQL.transition, args);
    if (!rows[0]) return undefined;
    // A cancel may come through another host than the one running the work: tell it now rather than at
    // its next lease pass. A hint only (the cancel has committed; a lost notice is found by that pass), so
    // a failure to send it does not fail the cancel.
    if (patch.status === 'cancelled') {
      await this.#run('notify cancel', SQL.notify, { channel: this.#cancelChannel, notice: cancelNotice(id) }).catch(() => undefined);
    }
    return fromRow(rows[0]);
  }

  async recordResultRead(id: string, revoke: boolean): Promise<TaskRecord | undefined> {
    if (!storable(id)) return undefined;
    if (!revoke) {
      const { rows } = await this.#run<PgTaskRow>('record result read', SQL.read, { id });
      return rows[0] ? fromRow(rows[0]) : undefined;
    }
    // A read-once result must stay read after a crash: whatever synchronous_commit the server or role
    // defaults to, this one commit waits for its WAL flush (reads are rare). The read itself is one statement.
    const row = await this.#withClient('record result read', async (client) => {
      await client.query('BEGIN');
      await client.query('SET LOCAL synchronous_commit = on');
      const { rows } = await this.#run<PgTaskRow & { read_outcome: string | null }>('record result read', SQL.readOnce, { id }, client);
      await client.query('COMMIT');
      return rows[0];
    });
    return row ? fromRow({ ...row, outcome: row.read_outcome }) : undefined;
  }

  async delete(id: string): Promise<boolean> {
    if (!storable(id)) return false;
    return (await this.#run('delete', SQL.delete, { id })).rowCount > 0;
  }

  async expired(nowMs: number, limit: number): Promise<string[]> {
    const args = { now: integer('now', nowMs), limit: integer('expiry limit', Math.max(0, Math.floor(limit))) };
    return (await this.#run<{ id: string }>('expired', SQL.expired, args)).rows.map((r) => r.id);
  }

  async countLive(owner: TaskOwner, nowMs: number): Promise<number> {
    const now = integer('now', nowMs);
    if (![owner.tenant, owner.sub, owner.client_id].every(storable)) return 0;
    const { rows } = await this.#run<{ n: number }>('count live', SQL.countLive, { tenant: owner.tenant, sub: owner.sub, client_id: owner.client_id, now });
    return rows[0]?.n ?? 0;
  }

  async claim(id: string, instanceId: string, leaseMs: number, nowMs: number): Promise<boolean> {
    const args = { id, instance: exact('instance id', instanceId), until: integer('lease end', nowMs + leaseMs) };
    if (!storable(id)) return false;
    return (await this.#run('claim', SQL.claim, args)).rowCount > 0;
  }

  async renewLeases(instanceId: string, leaseMs: number, nowMs: number): Promise<string[]> {
    const until = integer('lease end', nowMs + leaseMs);
    if (!storable(instanceId)) return [];
    return (await this.#run<{ id: string }>('renew leases', SQL.renew, { instance: instanceId, until })).rows.map((r) => r.id);
  }

  async recoverOrphans(nowMs: number, limit: number): Promise<TaskRecord[]> {
    const { rows } = await this.#run<PgTaskRow>('recover orphans', SQL.recover, {
      now: integer('now', nowMs),
      limit: integer('recovery limit', Math.max(0, Math.floor(limit))),
      message: encodeMessage(ORPHAN_STATUS_MESSAGE),
      outcome: JSON.stringify({ kind: 'error', code: ORPHAN_ERROR_CODE, message: ORPHAN_STATUS_MESSAGE }),
    });
    return rows.map(fromRow);
  }

  /**
   * Calls `listener` with the notice (cancelNotice) of every task cancelled in this schema, by any host,
   * from a dedicated connection that reconnects when it drops. Returns the stop.
   */
  watchCancels(listener: (notice: string) => void, options: CancelWatchOptions): () => Promise<void> {
    const stopListening = listenOn(this.#connectionString, this.#cancelChannel, listener, options, (err) => this.#fail('listen for cancels', err));
    const stop = async (): Promise<void> => {
      this.#watches.delete(stop);
      await stopListening();
    };
    this.#watches.add(stop);
    return stop;
  }

  /** What watchCancels reports for task `id`. */
  cancelNotice(id: string): string {
    return cancelNotice(id);
  }

  async takeSlice(principal: string, windowMs: number, want: number, limit: number): Promise<number> {
    const args = {
      principal: exact('rate-limit principal', principal),
      window: integer('rate-limit window', windowMs),
      want: integer('slice size', want),
      limit: integer('rate limit', limit),
    };
    const { rows } = await this.#run<{ last_slice: number }>('take rate-limit slice', SQL.takeSlice, args);
    return rows[0]?.last_slice ?? 0;
  }

  async pruneSlices(beforeMs: number): Promise<void> {
    const args = { before: integer('rate-limit window', beforeMs), limit: PRUNE_BATCH };
    let dropped: number;
    do dropped = (await this.#run('prune rate-limit slices', SQL.pruneSlices, args)).rowCount;
    while (dropped >= PRUNE_BATCH);
  }

  /** Runs one statement, on the pool or on a checked-out client, as a prepared statement with bound values. */
  async #run<R extends QueryResultRow = QueryResultRow>(
    operation: string, statement: Statement, args: Args, client?: PoolClient,
  ): Promise<{ rows: R[]; rowCount: number }> {
    const values = statement.params.map((name) => {
      const value = args[name];
      if (value === undefined) throw new Error(`postgres task store: ${statement.name} is missing parameter ${name}`);
      return value;
    });
    try {
      const result = await (client ?? this.#pool).query<R>({ name: statement.name, text: statement.text, values });
      return { rows: result.rows, rowCount: result.rowCount ?? 0 };
    } catch (err) {
      if ((err as { code?: unknown; constraint?: unknown }).code === '23505' && (err as { constraint?: unknown }).constraint === 'tasks_pkey') {
        throw new Error('task id already exists');
      }
      throw this.#fail(operation, err);
    }
  }

  /**
   * Runs `body` on one checked-out connection and always gives it back. After a failure the connection is
   * destroyed rather than returned: it may be mid-transaction or dead, and the server rolls back whatever
   * a closed connection left open.
   */
  async #withClient<T>(operation: string, body: (client: PoolClient) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (err) {
      throw this.#fail(operation, err);
    }
    // While checked out the pool does not listen for the connection's errors; a backend that dies between
    // two of our queries must fail the next query, not crash the process.
    const ignore = (): void => undefined;
    client.on('error', ignore);
    let failed = false;
    try {
      return await body(client);
    } catch (err) {
      failed = true;
      throw this.#fail(operation, err);
    } finally {
      client.off('error', ignore);
      client.release(failed);
    }
  }

  /** The error callers see: one line, lowercase, the operation and the reason, never the credentials. */
  #fail(operation: string, err: unknown): Error {
    if (err instanceof PostgresStoreError || (err instanceof Error && err.message === 'task id already exists')) return err;
    const { reason, sqlstate } = describePgError(err, this.#connectionString);
    return new PostgresStoreError(`postgres task store: ${operation} failed: ${reason}${sqlstate ? ` (sqlstate ${sqlstate})` : ''}`, sqlstate);
  }
}

function insertArgs(params: PgTaskParams): Args {
  return Object.fromEntries(COLUMNS.map((c) => [c, params[c]]));
}

/**
 * A list position's id as PostgreSQL can take it. Stored ids never hold U+0000 (create refuses it), and
 * for such ids `id > p` is the same test, in byte order, as `id > (p cut at its first U+0000)`: the cut keeps
 * the comparison exact. A lone surrogate has no such stand-in, and real positions (from stored ids) never
 * hold one, so it is refused.
 */
function positionId(id: string): string {
  const cut = id.indexOf('\u0000');
  const head = cut >= 0 ? id.slice(0, cut) : id;
  if (!storable(head)) throw new Error('task list position id is not well-formed Unicode');
  return head;
}


