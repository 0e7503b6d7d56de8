import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Database as Connection } from 'better-sqlite3';
import { TaskguardError, describeError } from '../errors.js';
import { PAGE_ROWS, checkpointMoved, headMoved, posTaken, toRow, type AuditRow, type AuditTable } from './db-table.js';
import type { AuditHead } from './record.js';

export interface SqliteAuditTableOptions {
  /** For `audit verify`: the file must exist, nothing is created and nothing can be written. */
  readonly?: boolean | undefined;
  /** How long a statement waits for another connection's write lock; default 5000 ms. */
  busyTimeoutMs?: number | undefined;
  /**
   * FULL (default): each commit is fsynced, so whenDurable means on disk, as the file log's 'always'. NORMAL
   * (WAL): commits survive a process crash but a power loss may roll back the last ones.
   */
  synchronous?: 'NORMAL' | 'FULL' | undefined;
}

// IF NOT EXISTS and nothing else: the file may also hold the task store's tables, which this never touches.
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS audit_records (
    chain TEXT NOT NULL,
    pos   INTEGER NOT NULL CHECK (pos > 0),
    line  TEXT NOT NULL,
    PRIMARY KEY (chain, pos)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS audit_heads (
    chain TEXT PRIMARY KEY NOT NULL,
    seq   INTEGER NOT NULL,
    hash  TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS audit_checkpoints (
    chain TEXT PRIMARY KEY NOT NULL,
    seq   INTEGER NOT NULL,
    hash  TEXT NOT NULL
  );
`;

const SQL = {
  head: 'SELECT seq, hash FROM audit_heads WHERE chain = ?',
  page: 'SELECT pos, line FROM audit_records WHERE chain = ? AND pos > ? ORDER BY pos LIMIT ?',
  insert: 'INSERT INTO audit_records (chain, pos, line) VALUES (?, ?, ?)',
  // Moves the head only from where this writer left it: a second writer that got past the primary key
  // (it never should) still cannot move the head under the first.
  moveHead: `INSERT INTO audit_heads (chain, seq, hash) VALUES (@chain, @seq, @hash)
    ON CONFLICT (chain) DO UPDATE SET seq = excluded.seq, hash = excluded.hash WHERE audit_heads.seq = @prev`,
  checkpoint: 'SELECT seq, hash FROM audit_checkpoints WHERE chain = ?',
  // Moves the checkpoint only from where the pruner read it, like moveHead.
  moveCheckpoint: `INSERT INTO audit_checkpoints (chain, seq, hash) VALUES (@chain, @seq, @hash)
    ON CONFLICT (chain) DO UPDATE SET seq = excluded.seq, hash = excluded.hash WHERE audit_checkpoints.seq = @prev`,
  firstCheckpoint: 'INSERT INTO audit_checkpoints (chain, seq, hash) VALUES (@chain, @seq, @hash) ON CONFLICT (chain) DO NOTHING',
  deleteThrough: 'DELETE FROM audit_records WHERE chain = ? AND pos <= ?',
  chains: 'SELECT chain FROM audit_records UNION SELECT chain FROM audit_heads',
  chainsWithCheckpoints: 'SELECT chain FROM audit_records UNION SELECT chain FROM audit_heads UNION SELECT chain FROM audit_checkpoints',
  hasTables: "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name IN ('audit_records', 'audit_heads')",
  hasCheckpoints: "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'audit_checkpoints'",
} as const;

/**
 * Opens the audit tables in SQLite file `file` on a connection of their own (WAL), creating the file and
 * the tables when absent (unless readonly).
 */
export async function openSqliteAuditTable(file: string, options: SqliteAuditTableOptions = {}): Promise<AuditTable> {
  const readonly = options.readonly === true;
  let db: Connection | undefined;
  try {
    if (!readonly) createPrivateFile(file);
    db = new Database(file, { readonly, fileMustExist: readonly });
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
    if (!readonly) {
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      // WAL lets readers (audit verify, the task store) run beside the one writer.
      if (mode !== 'wal') throw new Error(`sqlite could not use wal mode (got ${String(mode)})`);
      db.pragma(`synchronous = ${options.synchronous === 'NORMAL' ? 'NORMAL' : 'FULL'}`);
      db.exec(SCHEMA);
    }
    return new SqliteAuditTable(file, db, readonly);
  } catch (err) {
    db?.close();
    throw new TaskguardError('audit_io', `cannot open audit database ${file}: ${describeError(err)}`, { cause: err });
  }
}

// Created here, not by SQLite, so the file is private from its first byte; SQLite gives the -wal and -shm
// files the database file's mode.
function createPrivateFile(file: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  try {
    closeSync(openSync(file, 'wx', 0o600));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

/** better-sqlite3 is synchronous; the async methods keep the AuditTable interface shared with PostgreSQL. */
class SqliteAuditTable implements AuditTable {
  private readonly hasTables: boolean;
  /** A database written before checkpoints existed, opened read-only, has no checkpoint table. */
  private readonly hasCheckpoints: boolean;
  private readonly append: ((chain: string, firstPos: number, lines: readonly string[], head: AuditHead) => void) | undefined;
  private readonly pruneThrough: ((chain: string, fromSeq: number, throughPos: number, hash: string) => number) | undefined;

  constructor(
    private readonly file: string,
    private readonly db: Connection,
    readonly readonly: boolean,
  ) {
    this.hasTables = (db.prepare(SQL.hasTables).get() as { n: number }).n === 2;
    this.hasCheckpoints = (db.prepare(SQL.hasCheckpoints).get() as { n: number }).n === 1;
    if (readonly) return;
    const insert = db.prepare(SQL.insert);
    const moveHead = db.prepare(SQL.moveHead);
    // IMMEDIATE: the write lock is taken up front, so the inserts and the head move see one state.
    this.append = db.transaction((chain: string, firstPos: number, lines: readonly string[], head: AuditHead) => {
      lines.forEach((line, i) => insert.run(chain, firstPos + i, line));
      const moved = moveHead.run({ chain, seq: head.seq, hash: head.hash, prev: firstPos - 1 });
      if (moved.changes !== 1) throw new Error(headMoved(firstPos));
    }).immediate;
    const moveCheckpoint = db.prepare(SQL.moveCheckpoint);
    const firstCheckpoint = db.prepare(SQL.firstCheckpoint);
    const deleteThrough = db.prepare(SQL.deleteThrough);
    this.pruneThrough = db.transaction((chain: string, fromSeq: number, throughPos: number, hash: string) => {
      const row = { chain, seq: throughPos, hash, prev: fromSeq };
      const moved = fromSeq === 0 ? firstCheckpoint.run(row) : moveCheckpoint.run(row);
      if (moved.changes !== 1) throw new Error(checkpointMoved(fromSeq));
      return deleteThrough.run(chain, throughPos).changes;
    }).immediate;
  }

  async readHead(chain: string): Promise<AuditHead | undefined> {
    if (!this.hasTables) return undefined;
    return this.run('read', () => this.db.prepare(SQL.head).get(chain) as AuditHead | undefined);
  }

  async readCheckpoint(chain: string): Promise<AuditHead | undefined> {
    if (!this.hasCheckpoints) return undefined;
    return this.run('read', () => this.db.prepare(SQL.checkpoint).get(chain) as AuditHead | undefined);
  }

  async *lines(chain: string, afterPos = 0): AsyncIterable<AuditRow> {
    if (!this.hasTables) return;
    const page = this.db.prepare(SQL.page);
    let after = afterPos;
    for (;;) {
      // A page at a time: better-sqlite3's iterate() would keep the connection busy between yields.
      const rows = this.run('read', () => page.all(chain, after, PAGE_ROWS) as { pos: unknown; line: unknown }[]).map(toRow);
      yield* rows;
      const last = rows.at(-1);
      if (rows.length < PAGE_ROWS || !last) return;
      after = last.pos;
    }
  }

  async appendBatch(chain: string, firstPos: number, lines: readonly string[], head: AuditHead): Promise<void> {
    const append = this.append;
    if (!append) throw new TaskguardError('audit_io', `audit database ${this.file} is open read-only`);
    this.run('write', () => {
      try {
        append(chain, firstPos, lines, head);
      } catch (err) {
        if ((err as { code?: unknown }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
          throw new Error(posTaken(firstPos, lines.length));
        }
        throw err;
      }
    });
  }

  async prune(chain: string, fromSeq: number, throughPos: number, hash: string): Promise<number> {
    const prune = this.pruneThrough;
    if (!prune) throw new TaskguardError('audit_io', `audit database ${this.file} is open read-only`);
    return this.run('write', () => prune(chain, fromSeq, throughPos, hash));
  }

  async chains(): Promise<string[]> {
    if (!this.hasTables) return [];
    const sql = this.hasCheckpoints ? SQL.chainsWithCheckpoints : SQL.chains;
    const rows = this.run('read', () => this.db.prepare(sql).all() as { chain: string }[]);
    return rows.map((r) => r.chain).sort();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private run<T>(what: 'read' | 'write', fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw new TaskguardError('audit_io', `cannot ${what} audit database ${this.file}: ${describeError(err)}`, { cause: err });
    }
  }
}
