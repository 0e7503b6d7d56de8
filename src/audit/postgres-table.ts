import type { Pool, PoolClient } from 'pg';
import { describePgError } from '../util/pg-errors.js';
import { TaskguardError } from '../errors.js';
import { PAGE_ROWS, checkpointMoved, headMoved, posTaken, toRow, type AuditRow, type AuditTable } from './db-table.js';
import type { AuditHead } from './record.js';

export interface PostgresAuditTableOptions {
  /** postgres://user:password@host:port/db?...; never repeated in errors. */
  connectionString: string;
  /** Where the tables live; created when absent. Default: the first schema of the search_path. */
  schema?: string | undefined;
  /** For `audit verify`: nothing is created and nothing can be written. */
  readonly?: boolean | undefined;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
/** Serializes table creation across processes starting at once: two CREATE TABLE IF NOT EXISTS can race. */
const SETUP_LOCK = 'taskguard-audit-schema';

/**
 * Opens the audit tables in PostgreSQL on a small pool of its own. Creates the schema and tables when absent,
 * and only then, so a role that may only read and write existing tables can run it. `pg` is loaded here,
 * not at import, so file and SQLite users never load it.
 */
export async function openPostgresAuditTable(options: PostgresAuditTableOptions): Promise<AuditTable> {
  const { connectionString, schema } = options;
  if (typeof connectionString !== 'string' || connectionString === '') throw new TaskguardError('audit_invalid', 'postgres connection string is empty');
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new TaskguardError('audit_invalid', 'postgres schema must be 1 to 63 lowercase letters, digits or underscores, not starting with a digit');
  }
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({
    connectionString, max: 2, application_name: 'taskguard-audit', connectionTimeoutMillis: 10_000,
    // A forgotten close() must not keep a process alive once nothing is pending.
    allowExitOnIdle: true,
  });
  // An idle connection the server drops (restart, idle timeout, pg_terminate_backend) is reported here; with
  // no listener that is an uncaught 'error' and the process dies. The pool replaces it on the next query,
  // and a query that fails still fails the sink.
  pool.on('error', () => {});
  const names = tableNames(schema);
  try {
    const found = await setup(pool, names, schema, options.readonly === true, connectionString);
    return new PostgresAuditTable(pool, names, found, options.readonly === true, connectionString);
  } catch (err) {
    await pool.end().catch(() => {});
    throw err;
  }
}

interface Names {
  records: string;
  heads: string;
  checkpoints: string;
}

function tableNames(schema: string | undefined): Names {
  const prefix = schema === undefined ? '' : `"${schema}".`;
  return { records: `${prefix}"audit_records"`, heads: `${prefix}"audit_heads"`, checkpoints: `${prefix}"audit_checkpoints"` };
}

interface Found {
  /** audit_records and audit_heads. */
  tables: boolean;
  /** audit_checkpoints, which tables made before pruning existed lack. */
  checkpoints: boolean;
}

async function setup(pool: Pool, names: Names, schema: string | undefined, readonly: boolean, secret: string): Promise<Found> {
  const exists = `SELECT to_regclass($1) IS NOT NULL AS records, to_regclass($2) IS NOT NULL AS heads, to_regclass($3) IS NOT NULL AS checkpoints`;
  return withClient(pool, 'open', secret, async (client) => {
    const row = (await client.query<{ records: boolean; heads: boolean; checkpoints: boolean }>(exists, [names.records, names.heads, names.checkpoints])).rows[0];
    const found: Found = { tables: row?.records === true && row.heads, checkpoints: row?.checkpoints === true };
    if ((found.tables && found.checkpoints) || readonly) return found;
    if (found.tables) {
      try {
        await createCheckpoints(client, names);
        found.checkpoints = true;
      } catch {
        // Tables from before pruning: a role that may only use them cannot add the new one. It keeps
        // working without it, and pruning says what is missing.
      }
      return found;
    }
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [SETUP_LOCK]);
    if (schema !== undefined) await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${names.records} (
      chain TEXT NOT NULL,
      pos   BIGINT NOT NULL CHECK (pos > 0),
      line  TEXT NOT NULL,
      PRIMARY KEY (chain, pos)
    )`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${names.heads} (
      chain TEXT PRIMARY KEY,
      seq   BIGINT NOT NULL,
      hash  TEXT NOT NULL
    )`);
    await client.query(checkpointsDdl(names));
    await client.query('COMMIT');
    return { tables: true, checkpoints: true };
  });
}

function checkpointsDdl(names: Names): string {
  return `CREATE TABLE IF NOT EXISTS ${names.checkpoints} (
    chain TEXT PRIMARY KEY,
    seq   BIGINT NOT NULL,
    hash  TEXT NOT NULL
  )`;
}

async function createCheckpoints(client: PoolClient, names: Names): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [SETUP_LOCK]);
    await client.query(checkpointsDdl(names));
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  }
}

class PostgresAuditTable implements AuditTable {
  private ended = false;

  private readonly hasTables: boolean;
  private readonly hasCheckpoints: boolean;

  constructor(
    private readonly pool: Pool,
    private readonly names: Names,
    found: Found,
    readonly readonly: boolean,
    private readonly secret: string,
  ) {
    this.hasTables = found.tables;
    this.hasCheckpoints = found.checkpoints;
  }

  async readHead(chain: string): Promise<AuditHead | undefined> {
    if (!this.hasTables) return undefined;
    const sql = `SELECT seq, hash FROM ${this.names.heads} WHERE chain = $1`;
    const row = await this.query<{ seq: string; hash: string }>('read', sql, [chain]);
    const head = row[0];
    // BIGINT arrives as a string; verification judges whether it is a valid seq.
    return head ? { seq: Number(head.seq), hash: head.hash } : undefined;
  }

  async readCheckpoint(chain: string): Promise<AuditHead | undefined> {
    if (!this.hasCheckpoints) return undefined;
    const sql = `SELECT seq, hash FROM ${this.names.checkpoints} WHERE chain = $1`;
    const row = (await this.query<{ seq: string; hash: string }>('read', sql, [chain]))[0];
    return row ? { seq: Number(row.seq), hash: row.hash } : undefined;
  }

  async *lines(chain: string, afterPos = 0): AsyncIterable<AuditRow> {
    if (!this.hasTables) return;
    const sql = `SELECT pos, line FROM ${this.names.records} WHERE chain = $1 AND pos > $2 ORDER BY pos LIMIT $3`;
    let after = afterPos;
    for (;;) {
      const rows = (await this.query<{ pos: string; line: string }>('read', sql, [chain, after, PAGE_ROWS])).map(toRow);
      yield* rows;
      const last = rows.at(-1);
      if (rows.length < PAGE_ROWS || !last) return;
      after = last.pos;
    }
  }

  async appendBatch(chain: string, firstPos: number, lines: readonly string[], head: AuditHead): Promise<void> {
    if (this.readonly) throw new TaskguardError('audit_io', 'postgres audit tables are open read-only');
    // One statement for the whole batch, whatever its size: the lines go as one array parameter.
    const insert = `INSERT INTO ${this.names.records} (chain, pos, line)
      SELECT $1, $2::bigint + u.i - 1, u.line FROM unnest($3::text[]) WITH ORDINALITY AS u(line, i)`;
    // Moves the head only from where this writer left it (see AuditTable.appendBatch).
    const moveHead = `INSERT INTO ${this.names.heads} AS h (chain, seq, hash) VALUES ($1, $2, $3)
      ON CONFLICT (chain) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash WHERE h.seq = $4`;
    await withClient(this.pool, 'write', this.secret, async (client) => {
      await client.query('BEGIN');
      try {
        await client.query(insert, [chain, firstPos, lines]);
        const moved = await client.query(moveHead, [chain, head.seq, head.hash, firstPos - 1]);
        if (moved.rowCount !== 1) throw new Error(headMoved(firstPos));
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        if ((err as { code?: unknown }).code === '23505') throw new Error(posTaken(firstPos, lines.length));
        throw err;
      }
    });
  }

  async prune(chain: string, fromSeq: number, throughPos: number, hash: string): Promise<number> {
    if (this.readonly) throw new TaskguardError('audit_io', 'postgres audit tables are open read-only');
    if (!this.hasCheckpoints) throw new TaskguardError('audit_io', 'cannot prune: table audit_checkpoints is missing (open the tables once as their owner to create it)');
    // Moves the checkpoint only from where the pruner read it (see AuditTable.prune).
    const move = fromSeq === 0
      ? `INSERT INTO ${this.names.checkpoints} (chain, seq, hash) VALUES ($1, $2, $3) ON CONFLICT (chain) DO NOTHING`
      : `UPDATE ${this.names.checkpoints} SET seq = $2, hash = $3 WHERE chain = $1 AND seq = $4`;
    return withClient(this.pool, 'write', this.secret, async (client) => {
      await client.query('BEGIN');
      try {
        const moved = await client.query(move, fromSeq === 0 ? [chain, throughPos, hash] : [chain, throughPos, hash, fromSeq]);
        if (moved.rowCount !== 1) throw new Error(checkpointMoved(fromSeq));
        const deleted = await client.query(`DELETE FROM ${this.names.records} WHERE chain = $1 AND pos <= $2`, [chain, throughPos]);
        await client.query('COMMIT');
        return deleted.rowCount ?? 0;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      }
    });
  }

  async chains(): Promise<string[]> {
    if (!this.hasTables) return [];
    const checkpoints = this.hasCheckpoints ? ` UNION SELECT chain FROM ${this.names.checkpoints}` : '';
    const rows = await this.query<{ chain: string }>('read', `SELECT chain FROM ${this.names.records} UNION SELECT chain FROM ${this.names.heads}${checkpoints}`, []);
    // Sorted here rather than by the database's collation, so the order is the same everywhere.
    return rows.map((r) => r.chain).sort();
  }

  async close(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await this.pool.end();
  }

  private async query<R extends object>(what: string, sql: string, params: unknown[]): Promise<R[]> {
    return withClient(this.pool, what, this.secret, async (client) => (await client.query<R & Record<string, unknown>>(sql, params)).rows);
  }
}

/**
 * Runs `fn` on a pooled connection and turns any failure into an audit_io error that names neither the
 * connection string nor its password. A connection that failed mid-transaction is discarded, not reused.
 */
async function withClient<T>(pool: Pool, what: string, secret: string, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  let client: PoolClient | undefined;
  // A checked-out connection the server drops emits 'error' on the client (the pool's listener only covers
  // idle ones); unheard, that event kills the process. The failing query rejects on its own.
  const ignore = (): void => {};
  try {
    client = await pool.connect();
    client.on('error', ignore);
    const result = await fn(client);
    client.off('error', ignore);
    client.release();
    return result;
  } catch (err) {
    client?.off('error', ignore);
    client?.release(err instanceof Error ? err : true);
    // No `cause`: pg's errors can carry the connection string in their own fields (an unparsable URL does).
    throw new TaskguardError('audit_io', `cannot ${what} postgres audit tables: ${describe(err, secret)}`);
  }
}

function describe(err: unknown, connectionString: string): string {
  const { reason, sqlstate } = describePgError(err, connectionString);
  return `${reason}${sqlstate ? ` (sqlstate ${sqlstate})` : ''}`;
}
