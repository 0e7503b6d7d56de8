import type { PoolClient } from 'pg';

/** One schema step. Versions only grow; a released migration is never edited, a new one is added. */
interface Migration {
  version: number;
  sql: string;
}

/**
 * The live statuses, spelled exactly as the partial indexes' WHERE clause, so the planner can prove that a
 * query about live tasks may use them: every such query interpolates this constant.
 */
export const LIVE = `status IN ('working', 'input_required')`;

/**
 * Schema names are interpolated into DDL and into the connection's search_path option, so only plain
 * lowercase identifiers are accepted: nothing to quote, nothing to escape.
 */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function checkSchemaName(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) throw new Error(`postgres task store: schema name ${JSON.stringify(schema)} must be a lowercase identifier (a-z, 0-9, _)`);
  return schema;
}

// Text columns compared or ordered on are COLLATE "C": byte order is code point order, the same order as
// SQLite's BINARY, and it does not depend on the database's locale. Every *_ms column is BIGINT (JavaScript
// millisecond timestamps pass 2^31). status_message and outcome hold JSON text: PostgreSQL text cannot
// hold U+0000 or a lone surrogate, and JSON.stringify escapes both, so either round-trips exactly.
const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE tasks (
        id               TEXT COLLATE "C" PRIMARY KEY,
        tool             TEXT COLLATE "C" NOT NULL,
        tenant           TEXT COLLATE "C" NOT NULL,
        sub              TEXT COLLATE "C" NOT NULL,
        client_id        TEXT COLLATE "C" NOT NULL,
        scopes           TEXT NOT NULL,            -- JSON array of strings
        status           TEXT COLLATE "C" NOT NULL CHECK (status IN ('working', 'input_required', 'completed', 'failed', 'cancelled')),
        status_message   TEXT,                     -- JSON string
        created_ms       BIGINT NOT NULL,
        updated_ms       BIGINT NOT NULL,
        ttl_ms           BIGINT NOT NULL,
        expires_ms       BIGINT NOT NULL,
        poll_interval_ms BIGINT NOT NULL,
        results_read     BIGINT NOT NULL,
        outcome          TEXT,                     -- JSON TaskOutcome; NULL when none yet or revoked
        revoked          BOOLEAN NOT NULL,
        idempotency_key  TEXT COLLATE "C",         -- the creator's key, unique per owner
        request_digest   TEXT COLLATE "C",         -- what that key created: a reuse for another request is refused
        instance_id      TEXT COLLATE "C",         -- the host instance running it (LeasedTaskStore)
        lease_until_ms   BIGINT,
        CHECK ((idempotency_key IS NULL) = (request_digest IS NULL))
      );
      -- One task per owner and idempotency key; the index also answers the retry's look-up and is the
      -- conflict target of the keyed insert.
      CREATE UNIQUE INDEX tasks_by_idempotency_key ON tasks (tenant, sub, client_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
      -- tasks/list for one owner and for one tenant: the scope columns lead, then the (created_ms, id) order,
      -- so the scope filter and the paging position are both index conditions and LIMIT stops early.
      CREATE INDEX tasks_by_owner ON tasks (tenant, sub, client_id, created_ms, id);
      CREATE INDEX tasks_by_tenant ON tasks (tenant, created_ms, id);
      -- The expiry sweep.
      CREATE INDEX tasks_by_expiry ON tasks (expires_ms, id);
      -- Live-task cap, lease renewal and orphan recovery look at live tasks only, a small part of the table.
      CREATE INDEX tasks_live_by_owner ON tasks (tenant, sub, client_id, expires_ms) WHERE ${LIVE};
      CREATE INDEX tasks_live_by_instance ON tasks (instance_id) WHERE ${LIVE};
      CREATE INDEX tasks_live_by_lease ON tasks (lease_until_ms) WHERE ${LIVE};
    `,
  },
  {
    version: 2,
    // Rate-limit slices shared by hosts (src/guard/shared-rate-limit.ts): how much of a principal's budget
    // for one window has been handed out. `principal` is a digest of the principal key, never the key.
    // `last_slice` is what the latest hand-out gave, so one statement can both count and answer.
    sql: `
      CREATE TABLE rate_slices (
        principal  TEXT COLLATE "C" NOT NULL,
        window_ms  BIGINT NOT NULL,
        granted    BIGINT NOT NULL CHECK (granted >= 0),
        last_slice BIGINT NOT NULL CHECK (last_slice >= 0),
        PRIMARY KEY (principal, window_ms)
      );
      -- Dropping the windows that ended.
      CREATE INDEX rate_slices_by_window ON rate_slices (window_ms);
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS.at(-1)?.version ?? 0;

/** First key of the migration lock ("tgmg"); the second is the schema's hash, so schemas migrate independently. */
const MIGRATION_LOCK = 0x74676d67;

/**
 * Brings `schema` to SCHEMA_VERSION in one transaction on `client`. The transaction-scoped advisory lock
 * makes a second host starting at the same moment wait, then find the work done; a failing step rolls
 * everything back, leaving the previous version intact. Creates the schema only when it is missing, so a
 * role without CREATE on the database can use one an administrator made.
 */
export async function migrate(client: PoolClient, schema: string, nowMs: number): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1::integer, hashtext($2::text))', [MIGRATION_LOCK, schema]);
    const present = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1::text', [schema]);
    if (present.rowCount === 0) await client.query(`CREATE SCHEMA ${schema}`);
    // The connection's search_path already names the schema; setting it again inside the transaction
    // makes a schema created just now resolve for the unqualified names below.
    await client.query(`SET LOCAL search_path TO ${schema}`);
    // Looked up rather than CREATE ... IF NOT EXISTS, which needs CREATE on the schema even when the table exists.
    const table = await client.query<{ present: boolean }>(`SELECT to_regclass('schema_version') IS NOT NULL AS present`);
    if (table.rows[0]?.present !== true) {
      await client.query('CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_ms BIGINT NOT NULL)');
    }
    const row = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM schema_version');
    const current = row.rows[0]?.version ?? 0;
    if (current > SCHEMA_VERSION) {
      // A newer taskguard migrated this schema; guessing at its layout could lose or expose tasks.
      throw new Error(`task database schema "${schema}" is at version ${current}, newer than this taskguard's ${SCHEMA_VERSION}`);
    }
    for (const migration of MIGRATIONS) {
      if (migration.version <= current) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_version (version, applied_ms) VALUES ($1::integer, $2::bigint)', [migration.version, nowMs]);
    }
    await client.query('COMMIT');
  } catch (err) {
    // A failed ROLLBACK means the connection is gone, and the server rolls back on its own.
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
