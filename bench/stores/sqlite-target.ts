import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SqliteTaskStore } from '../../src/stores/sqlite.js';
import { toParams } from '../../src/stores/sqlite-rows.js';
import { SQL } from '../../src/stores/sqlite-sql.js';
import { registerCleanup } from '../lib/cleanup.js';
import { HEAVY_OWNER, taskRecord, type Dataset } from './dataset.js';
import { progress, seedProgress, type StoreTarget } from './target.js';

/** Rows per seeding transaction: large enough that commits cost nothing, small enough to report progress. */
const SEED_BATCH = 50_000;
/** Page cache of the seeding connection, in KiB as a negative cache_size takes it. */
const SEED_CACHE_KIB = -262_144;

export function sqliteVersion(): string {
  const db = new Database(':memory:');
  try {
    return (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
  } finally {
    db.close();
  }
}

/**
 * A SqliteTaskStore on a new file in a temp folder, seeded through a second connection with the store's own
 * INSERT statement and row encoding (src/stores/sqlite-sql.ts, sqlite-rows.ts), so the rows are exactly
 * what store.create would have written, without 1M separate commits. The folder goes on close, on error and
 * on SIGINT.
 */
export async function openSqliteTarget(ds: Dataset): Promise<StoreTarget> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'taskguard-bench-stores-'));
  const remove = (): void => rmSync(dir, { recursive: true, force: true });
  const unregister = registerCleanup(remove);
  const file = path.join(dir, 'tasks.db');
  let store: SqliteTaskStore | undefined;
  let db: Database.Database | undefined;
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    try {
      await store?.close();
      db?.close();
    } finally {
      remove();
      unregister();
    }
  };
  try {
    // The store creates the file, WAL mode and the schema; the seeder only adds rows.
    store = await SqliteTaskStore.open(file);
    db = new Database(file);
    seed(db, ds);
    return {
      kind: 'sqlite',
      store,
      countRows: async () => (db?.prepare('SELECT count(*) AS n FROM tasks').get() as { n: number }).n,
      plans: async () => plans(db as Database.Database, ds),
      describe: async () => describe(db as Database.Database, file),
      // In-process: its CPU is this process's.
      serverPids: async () => [],
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

function seed(db: Database.Database, ds: Dataset): void {
  // Durability is not the point while seeding; the store's own connection keeps its NORMAL setting. A large
  // page cache keeps the seven indexes' pages in memory while random ids go in (about 2x faster at 1M).
  db.pragma('synchronous = OFF');
  db.pragma(`cache_size = ${SEED_CACHE_KIB}`);
  db.pragma('busy_timeout = 5000');
  const insert = db.prepare(SQL.insert);
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) insert.run(toParams(taskRecord(ds, i)));
  });
  const report = seedProgress(`sqlite ${ds.size.toLocaleString('en-US')}: seeding`, ds.size, 100_000);
  for (let from = 0; from < ds.size; from += SEED_BATCH) {
    const to = Math.min(ds.size, from + SEED_BATCH);
    batch(from, to);
    report(to);
  }
  // Move everything into the main file, so reads do not go through a WAL of the whole table.
  db.pragma('wal_checkpoint(TRUNCATE)');
  progress(`sqlite ${ds.size.toLocaleString('en-US')}: checkpointed; no ANALYZE (the store never runs one)`);
}

function plans(db: Database.Database, ds: Dataset): Record<string, string> {
  const explain = (sql: string, ...params: unknown[]): string =>
    (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail).join('; ');
  const owner = { tenant: HEAVY_OWNER.tenant, sub: HEAVY_OWNER.sub, client_id: HEAVY_OWNER.client_id };
  return {
    get: explain(SQL.get, 'x'),
    list: explain(SQL.listByOwner, { ...owner, now: ds.nowMs, after_ms: 0, after_id: '', limit: 51 }),
    countLive: explain(SQL.countLive, owner.tenant, owner.sub, owner.client_id, ds.nowMs),
    expired: explain(SQL.expired, ds.nowMs, 500),
  };
}

/** File, table and index sizes (dbstat), and the page cache a connection gets (the store sets none). */
function describe(db: Database.Database, file: string): string {
  const mib = (bytes: number): string => `${(bytes / 1_048_576).toFixed(0)} MiB`;
  const sizes = db.prepare("SELECT name, sum(pgsize) AS bytes FROM dbstat WHERE name LIKE 'tasks%' OR name LIKE 'sqlite_autoindex_tasks%' GROUP BY name").all() as { name: string; bytes: number }[];
  const table = sizes.find((s) => s.name === 'tasks')?.bytes ?? 0;
  const indexes = sizes.filter((s) => s.name !== 'tasks').reduce((sum, s) => sum + s.bytes, 0);
  const cache = Number(db.pragma('cache_size', { simple: true }));
  // What the store's connection gets: read, not assumed, since the build sets the default (better-sqlite3's
  // is 16 MB, not SQLite's 2 MB).
  const fresh = new Database(file, { readonly: true });
  const storeCache = Number(fresh.pragma('cache_size', { simple: true }));
  fresh.close();
  return `file ${mib(statSync(file).size)}: table ${mib(table)}, indexes ${mib(indexes)}; page cache per connection ${storeCache < 0 ? `${-storeCache} KiB` : `${storeCache} pages`} (seeder's ${-cache} KiB)`;
}
