import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { openSqliteAuditTable } from '../../src/audit/sqlite-table.js';
import { runCli } from '../support/run-cli.js';
import { dbAuditContract, verify, writeChain, type DbBackend, type DbFixture, type Tamper } from './db-contract.js';
import { dbPruneContract } from './db-prune-contract.js';
import { tempLogFile } from './helpers.js';

/** Plays the attacker on the file through a connection of its own, as anyone with write access could. */
function sqliteTamper(file: string): Tamper {
  const run = <T>(fn: (db: Database.Database) => T): T => {
    const db = new Database(file);
    try {
      return fn(db);
    } finally {
      db.close();
    }
  };
  return {
    line: async (chain, pos) => run((db) => (db.prepare('SELECT line FROM audit_records WHERE chain = ? AND pos = ?').get(chain, pos) as { line: string }).line),
    setLine: async (chain, pos, line) => void run((db) => db.prepare('UPDATE audit_records SET line = ? WHERE chain = ? AND pos = ?').run(line, chain, pos)),
    setPos: async (chain, from, to) => void run((db) => db.prepare('UPDATE audit_records SET pos = ? WHERE chain = ? AND pos = ?').run(to, chain, from)),
    deleteRows: async (chain, from, to) => void run((db) => db.prepare('DELETE FROM audit_records WHERE chain = ? AND pos BETWEEN ? AND ?').run(chain, from, to)),
    setHead: async (chain, seq, hash) => void run((db) => db.prepare('UPDATE audit_heads SET seq = ?, hash = ? WHERE chain = ?').run(seq, hash, chain)),
    deleteHead: async (chain) => void run((db) => db.prepare('DELETE FROM audit_heads WHERE chain = ?').run(chain)),
    setCheckpoint: async (chain, seq, hash) => void run((db) => db.prepare('UPDATE audit_checkpoints SET seq = ?, hash = ? WHERE chain = ?').run(seq, hash, chain)),
    deleteCheckpoint: async (chain) => void run((db) => db.prepare('DELETE FROM audit_checkpoints WHERE chain = ?').run(chain)),
    count: async (chain) => run((db) => (db.prepare('SELECT count(*) AS n FROM audit_records WHERE chain = ?').get(chain) as { n: number }).n),
    hasTables: async () => run((db) => (db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name LIKE 'audit_%'").get() as { n: number }).n > 0),
  };
}

/** A fresh database file and its fixture. */
async function freshSqlite(): Promise<DbFixture & { file: string }> {
  const file = tempLogFile('taskguard.db');
  // A file that already holds someone else's table, as when the task store shares it.
  const db = new Database(file);
  db.exec("CREATE TABLE tasks (id TEXT PRIMARY KEY); INSERT INTO tasks VALUES ('t-1')");
  db.close();
  return {
    file,
    open: () => openSqliteAuditTable(file),
    tamper: sqliteTamper(file),
    cli: (...args) => runCli('audit', 'verify', '--sqlite', file, ...args),
    // The temp folder goes when the test file ends (helpers.ts).
    cleanup: async () => {},
  };
}

const sqlite: DbBackend = { name: 'sqlite', fresh: freshSqlite };

dbAuditContract(sqlite);
dbPruneContract(sqlite);

describe('sqlite audit tables', () => {
  it('share the file with other tables without touching them', async () => {
    const db = await freshSqlite();
    await writeChain(db, 'host-a', 3);
    const raw = new Database(db.file);
    assert.deepEqual(raw.prepare('SELECT id FROM tasks').all(), [{ id: 't-1' }]);
    raw.close();
  });

  it('create a missing file (mode 0600) and its folder when opened for writing', async () => {
    const file = `${tempLogFile('x')}-dir/nested/audit.db`;
    const table = await openSqliteAuditTable(file);
    await table.close();
    assert.equal(statSync(file).mode & 0o777, 0o600);
  });

  it('audit verify --sqlite on a missing file is audit_io, exit 1, and creates no file', async () => {
    const file = tempLogFile('missing.db');
    const r = await runCli('audit', 'verify', '--sqlite', file);
    assert.equal(r.code, 1);
    assert.match(r.err, /^taskguard audit: cannot open audit database .*missing\.db: .*\[audit_io\]$/);
    assert.equal(existsSync(file), false);
  });

  it('a read-only table refuses to write', async () => {
    const db = await freshSqlite();
    await writeChain(db, 'host-a', 1);
    const table = await openSqliteAuditTable(db.file, { readonly: true });
    await assert.rejects(table.appendBatch('host-a', 2, ['{}'], { seq: 2, hash: 'a'.repeat(64) }), /read-only/);
    await table.close();
    assert.equal((await verify(db, 'host-a')).records, 1);
  });
});

describe('audit verify: database usage errors', () => {
  it('exit 2 and name the problem', async () => {
    const file = tempLogFile('u.db');
    const cases: [string[], RegExp][] = [
      [['audit', 'verify', '--sqlite', file, 'extra.jsonl'], /a FILE cannot go with --sqlite or --postgres/],
      [['audit', 'verify', '--sqlite', file, '--head', 'none'], /--head is for a log file/],
      [['audit', 'verify', '--sqlite', file, '--postgres'], /exclude each other/],
      [['audit', 'verify', '--sqlite', file, '--schema', 'x'], /--schema goes with --postgres/],
      [['audit', 'verify', '--sqlite', file, '--chain', ''], /--chain must be 1 to 200 printable ascii/],
      [['audit', 'verify', 'log.jsonl', '--chain', 'a'], /--chain and --schema go with --sqlite or --postgres/],
    ];
    for (const [argv, pattern] of cases) {
      const r = await runCli(...argv);
      assert.equal(r.code, 2, argv.join(' '));
      assert.match(r.err, pattern);
      assert.match(r.err, /taskguard audit verify \(--sqlite DBFILE \| --postgres \[--schema NAME\]\) \[--chain NAME\]; taskguard audit verify FILE/);
    }
  });

  it('--postgres without TASKGUARD_DATABASE_URL is a usage error that says so', async () => {
    const saved = process.env['TASKGUARD_DATABASE_URL'];
    delete process.env['TASKGUARD_DATABASE_URL'];
    try {
      const r = await runCli('audit', 'verify', '--postgres');
      assert.equal(r.code, 2);
      assert.match(r.err, /--postgres reads its connection string from TASKGUARD_DATABASE_URL, which is not set/);
    } finally {
      if (saved !== undefined) process.env['TASKGUARD_DATABASE_URL'] = saved;
    }
  });

  it('the usage lists both forms, the file form right before the summary', async () => {
    const r = await runCli('--help');
    assert.match(r.out, /taskguard audit verify \(--sqlite DBFILE \| --postgres \[--schema NAME\]\) \[--chain NAME\]\n\s+taskguard audit verify FILE/);
  });
});
