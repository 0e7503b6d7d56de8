import type { Database } from 'better-sqlite3';

/** One schema step. Versions only grow; a released migration is never edited, a new one is added. */
interface Migration {
  version: number;
  sql: string;
}

/**
 * The live statuses, spelled exactly as the partial indexes' WHERE clause: SQLite uses a partial index only
 * when the query repeats that term verbatim, so every query about live tasks interpolates this constant.
 */
export const LIVE = `status IN ('working', 'input_required')`;

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE tasks (
        id               TEXT PRIMARY KEY NOT NULL,
        tool             TEXT NOT NULL,
        tenant           TEXT NOT NULL,
        sub              TEXT NOT NULL,
        client_id        TEXT NOT NULL,
        scopes           TEXT NOT NULL,            -- JSON array of strings
        status           TEXT NOT NULL CHECK (status IN ('working', 'input_required', 'completed', 'failed', 'cancelled')),
        status_message   TEXT,
        created_ms       INTEGER NOT NULL,
        updated_ms       INTEGER NOT NULL,
        ttl_ms           INTEGER NOT NULL,
        expires_ms       INTEGER NOT NULL,
        poll_interval_ms INTEGER NOT NULL,
        results_read     INTEGER NOT NULL,
        outcome          TEXT,                     -- JSON TaskOutcome; NULL when none yet or revoked
        revoked          INTEGER NOT NULL CHECK (revoked IN (0, 1)),
        idempotency_key  TEXT,                     -- the creator's key, unique per owner
        request_digest   TEXT,                     -- what that key created: a reuse for another request is refused
        instance_id      TEXT,                     -- the host instance running it (LeasedTaskStore)
        lease_until_ms   INTEGER,
        CHECK ((idempotency_key IS NULL) = (request_digest IS NULL))
      );
      -- One task per owner and idempotency key; the index also answers the retry's lookup.
      CREATE UNIQUE INDEX tasks_by_idempotency_key ON tasks (tenant, sub, client_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
      -- tasks/list for one owner and for one tenant: the scope columns lead, then the (created_ms, id) order,
      -- so the scope filter and the paging position are both index searches and LIMIT stops early.
      CREATE INDEX tasks_by_owner ON tasks (tenant, sub, client_id, created_ms, id);
      CREATE INDEX tasks_by_tenant ON tasks (tenant, created_ms, id);
      -- The expiry sweep, answered from the index alone (it returns ids only).
      CREATE INDEX tasks_by_expiry ON tasks (expires_ms, id);
      -- Live-task cap, lease renewal and orphan recovery look at live tasks only, a small part of the table;
      -- status in the owner index lets SQLite count live tasks from the index alone.
      CREATE INDEX tasks_live_by_owner ON tasks (tenant, sub, client_id, expires_ms, status) WHERE ${LIVE};
      CREATE INDEX tasks_live_by_instance ON tasks (instance_id) WHERE ${LIVE};
      CREATE INDEX tasks_live_by_lease ON tasks (lease_until_ms) WHERE ${LIVE};
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS.at(-1)?.version ?? 0;

/**
 * Brings the database to SCHEMA_VERSION. Runs in one IMMEDIATE transaction, so two processes opening the
 * same new file cannot both apply a step, and a failing step leaves the previous version intact.
 */
export function migrate(db: Database, nowMs: number): void {
  db.transaction(() => {
    db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY NOT NULL, applied_ms INTEGER NOT NULL)');
    const row = db.prepare<[], { version: number | null }>('SELECT max(version) AS version FROM schema_version').get();
    const current = row?.version ?? 0;
    if (current > SCHEMA_VERSION) {
      // A newer taskguard wrote this file; guessing at its schema could lose or expose tasks.
      throw new Error(`task database is at schema version ${current}, newer than this taskguard's ${SCHEMA_VERSION}`);
    }
    const record = db.prepare<[number, number]>('INSERT INTO schema_version (version, applied_ms) VALUES (?, ?)');
    for (const migration of MIGRATIONS) {
      if (migration.version <= current) continue;
      db.exec(migration.sql);
      record.run(migration.version, nowMs);
    }
  }).immediate();
}
