import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteTaskStore, type SqliteStoreOptions } from '../../src/stores/sqlite.js';
import type { StoreHandle } from './contract-support.js';
import type { StorePair } from './leased-contract.js';

/** A database path in a fresh temp folder (a subfolder the store must create itself) and its cleanup. */
export function tempDatabase(): { file: string; dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'taskguard-sqlite-'));
  return { file: join(dir, 'state', 'tasks.sqlite'), dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function tempStore(options?: SqliteStoreOptions): Promise<StoreHandle<SqliteTaskStore> & { file: string }> {
  const db = tempDatabase();
  const store = await SqliteTaskStore.open(db.file, options);
  return { store, file: db.file, close: async () => { await store.close(); db.remove(); } };
}

/** Two handles (two connections) on one file, as two host processes would have. */
export async function tempPair(): Promise<StorePair> {
  const db = tempDatabase();
  const a = await SqliteTaskStore.open(db.file);
  const b = await SqliteTaskStore.open(db.file);
  return { a, b, close: async () => { await a.close(); await b.close(); db.remove(); } };
}

/** EXPLAIN QUERY PLAN of one of the store's statements, its parameters bound to placeholders. */
export function queryPlan(file: string, sql: string): string {
  const db = new Database(file, { readonly: true });
  try {
    const names = [...new Set([...sql.matchAll(/@(\w+)/g)].map((m) => m[1] ?? ''))];
    const statement = db.prepare<unknown[], { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`);
    const rows = names.length > 0
      ? statement.all(Object.fromEntries(names.map((n) => [n, 1])))
      : statement.all(...Array.from(sql.matchAll(/\?/g), () => 1));
    return rows.map((r) => r.detail).join('\n');
  } finally {
    db.close();
  }
}
