import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openPostgresAuditTable } from '../../src/audit/postgres-table.js';
import { runCli } from '../support/run-cli.js';
import { openDbAuditLog } from '../../src/audit/db-open.js';
import { dbAuditContract, openLog, verify, writeChain, type DbBackend, type DbFixture, type Tamper } from './db-contract.js';
import { dbPruneContract } from './db-prune-contract.js';

// Run by scripts/test.sh with a throwaway cluster; by hand:
//   eval "$(bash scripts/postgres-test.sh start /tmp/pg-audit)"; node --import tsx --test test/audit/db-postgres.test.ts
const SKIP = process.env['TASKGUARD_SKIP_POSTGRES'] === '1';
const URL_ENV = 'TASKGUARD_TEST_POSTGRES_URL';
const url = process.env[URL_ENV];

/** Plays the attacker through a connection of its own, on the fixture's schema. */
function pgTamper(schema: string): Tamper {
  const records = `"${schema}".audit_records`;
  const heads = `"${schema}".audit_heads`;
  const checkpoints = `"${schema}".audit_checkpoints`;
  const q = async <R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query<R>(sql, params)).rows;
    } finally {
      await client.end();
    }
  };
  return {
    line: async (chain, pos) => (await q<{ line: string }>(`SELECT line FROM ${records} WHERE chain = $1 AND pos = $2`, [chain, pos]))[0]?.line ?? '',
    setLine: async (chain, pos, line) => void (await q(`UPDATE ${records} SET line = $1 WHERE chain = $2 AND pos = $3`, [line, chain, pos])),
    setPos: async (chain, from, to) => void (await q(`UPDATE ${records} SET pos = $1 WHERE chain = $2 AND pos = $3`, [to, chain, from])),
    deleteRows: async (chain, from, to) => void (await q(`DELETE FROM ${records} WHERE chain = $1 AND pos BETWEEN $2 AND $3`, [chain, from, to])),
    setHead: async (chain, seq, hash) => void (await q(`UPDATE ${heads} SET seq = $1, hash = $2 WHERE chain = $3`, [seq, hash, chain])),
    deleteHead: async (chain) => void (await q(`DELETE FROM ${heads} WHERE chain = $1`, [chain])),
    setCheckpoint: async (chain, seq, hash) => void (await q(`UPDATE ${checkpoints} SET seq = $1, hash = $2 WHERE chain = $3`, [seq, hash, chain])),
    deleteCheckpoint: async (chain) => void (await q(`DELETE FROM ${checkpoints} WHERE chain = $1`, [chain])),
    count: async (chain) => Number((await q<{ n: string }>(`SELECT count(*) AS n FROM ${records} WHERE chain = $1`, [chain]))[0]?.n),
    hasTables: async () => (await q<{ t: string | null }>('SELECT to_regclass($1) AS t', [records]))[0]?.t != null,
  };
}

/** A fresh random schema per test, dropped afterwards. */
async function freshPostgres(): Promise<DbFixture & { schema: string }> {
  const schema = `tg_audit_${randomBytes(6).toString('hex')}`;
  const connectionString = url as string;
  return {
    schema,
    open: () => openPostgresAuditTable({ connectionString, schema }),
    tamper: pgTamper(schema),
    async cli(...args) {
      const saved = process.env['TASKGUARD_DATABASE_URL'];
      process.env['TASKGUARD_DATABASE_URL'] = connectionString;
      try {
        return await runCli('audit', 'verify', '--postgres', '--schema', schema, ...args);
      } finally {
        if (saved === undefined) delete process.env['TASKGUARD_DATABASE_URL'];
        else process.env['TASKGUARD_DATABASE_URL'] = saved;
      }
    },
    async cleanup() {
      const client = new pg.Client({ connectionString });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

interface RoleCase {
  /** Run first, as the admin: tables the grants name must exist. */
  before?: (db: DbFixture) => Promise<unknown>;
  /** SQL run as the admin once the role exists. */
  grants: (schema: string, role: string) => string[];
}

/** Runs `fn` with a fresh schema and a login role that holds only what `grants` gives it; both go afterwards. */
async function withRole(prefix: string, setup: RoleCase, fn: (db: DbFixture & { schema: string }, roleUrl: string) => Promise<void>): Promise<void> {
  const db = await freshPostgres();
  const role = `${prefix}_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await setup.before?.(db);
    await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
    for (const sql of setup.grants(db.schema, role)) await admin.query(sql);
    const limited = new URL(url as string);
    limited.username = role;
    limited.password = password;
    await fn(db, limited.toString());
  } finally {
    await db.cleanup();
    await admin.query(`DROP ROLE IF EXISTS ${role}`);
    await admin.end();
  }
}

if (SKIP) {
  describe('postgres audit tables', { skip: 'TASKGUARD_SKIP_POSTGRES=1: the PostgreSQL audit tests are skipped' }, () => {
    it('are skipped', () => {});
  });
} else if (url === undefined || url === '') {
  describe('postgres audit tables', () => {
    it('need a database', () => {
      assert.fail(`${URL_ENV} is not set: start one with eval "$(bash scripts/postgres-test.sh start DIR)", or set TASKGUARD_SKIP_POSTGRES=1 to skip`);
    });
  });
} else {
  const postgres: DbBackend = { name: 'postgres', fresh: freshPostgres };
  dbAuditContract(postgres);
  dbPruneContract(postgres);

  describe('postgres audit tables', () => {
    it('a killed connection does not crash the process; the next commit gets a fresh one', async () => {
      const db = await freshPostgres();
      try {
        const log = await openLog(db, 'host-a');
        log.append({ kind: 'decision', op: 'get', allow: true, policy_revision: 'r' });
        await log.flush();
        // The pool's idle connection is killed under it, as a server restart or an idle timeout would.
        const admin = new pg.Client({ connectionString: url });
        await admin.connect();
        await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'taskguard-audit' AND pid <> pg_backend_pid()");
        await admin.end();
        await new Promise((resolve) => setTimeout(resolve, 100));
        log.append({ kind: 'decision', op: 'get', allow: false, policy_revision: 'r' });
        await log.close();
        const r = await verify(db, 'host-a');
        assert.deepEqual([r.ok, r.records], [true, 2]);
      } finally {
        await db.cleanup();
      }
    });

    it('errors never carry the connection string or its password', async () => {
      const secret = 'S3cret-pa55word';
      const bad = new URL(url as string);
      bad.password = secret;
      await assert.rejects(openPostgresAuditTable({ connectionString: bad.toString() }), (err: unknown) => {
        assert.ok(err instanceof Error);
        assert.match(err.message, /^cannot open postgres audit tables: .*password authentication failed/);
        assert.doesNotMatch(err.message, new RegExp(secret));
        assert.equal(err.cause, undefined);
        return true;
      });
    });

    it('a role that may only read and write the existing tables can open them and append', async () => {
      await withRole('tg_audit_writer', {
        before: (db) => writeChain(db, 'host-a', 2),
        grants: (schema, role) => [
          `GRANT USAGE ON SCHEMA "${schema}" TO ${role}`,
          `GRANT SELECT, INSERT, UPDATE ON "${schema}".audit_records, "${schema}".audit_heads, "${schema}".audit_checkpoints TO ${role}`,
        ],
      }, async (db, roleUrl) => {
        const table = await openPostgresAuditTable({ connectionString: roleUrl, schema: db.schema });
        const asRole = await openDbAuditLog({ table, chain: 'host-a' });
        assert.equal(asRole.append({ kind: 'decision', op: 'get', allow: true, policy_revision: 'r' }).seq, 3);
        await asRole.close();
        assert.deepEqual([(await verify(db, 'host-a')).ok, (await verify(db, 'host-a')).records], [true, 3]);
      });
    });

    it('tables from before pruning, used by a role that cannot create the checkpoint table: appends work, pruning says what is missing', async () => {
      await withRole('tg_audit_old', {
        grants: (schema, role) => [
          `CREATE SCHEMA "${schema}"`,
          `CREATE TABLE "${schema}".audit_records (chain TEXT NOT NULL, pos BIGINT NOT NULL CHECK (pos > 0), line TEXT NOT NULL, PRIMARY KEY (chain, pos))`,
          `CREATE TABLE "${schema}".audit_heads (chain TEXT PRIMARY KEY, seq BIGINT NOT NULL, hash TEXT NOT NULL)`,
          `GRANT USAGE ON SCHEMA "${schema}" TO ${role}`,
          `GRANT SELECT, INSERT, UPDATE, DELETE ON "${schema}".audit_records, "${schema}".audit_heads TO ${role}`,
        ],
      }, async (db, roleUrl) => {
        const info: string[] = [];
        const table = await openPostgresAuditTable({ connectionString: roleUrl, schema: db.schema });
        const log = await openDbAuditLog({ table, chain: 'host-a', retain: { maxRecords: 1 }, pruneEvery: 1, onInfo: (l) => void info.push(l) });
        log.append({ kind: 'decision', op: 'get', allow: true, policy_revision: 'r' });
        log.append({ kind: 'decision', op: 'get', allow: true, policy_revision: 'r' });
        await log.close();
        assert.deepEqual(info, ['audit chain host-a: pruning failed, nothing more deleted: cannot prune: table audit_checkpoints is missing (open the tables once as their owner to create it)']);
        assert.deepEqual([(await verify(db, 'host-a')).ok, await db.tamper.count('host-a')], [true, 2]);
      });
    });

    it('refuses a schema name that would need quoting', async () => {
      await assert.rejects(openPostgresAuditTable({ connectionString: url as string, schema: 'x"; DROP TABLE y; --' }), /postgres schema must be/);
    });
  });
}
