// A database audit chain through an outage: failing commits are retried for a bounded time, a commit whose
// answer was lost is recognised from the head row (never written twice), another writer is never retried
// over, and a lasting outage still fails the log closed.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { openDbAuditLog } from '../../src/audit/db-open.js';
import type { AuditTable } from '../../src/audit/db-table.js';
import { verifyAuditChain } from '../../src/audit/db-verify.js';
import { openPostgresAuditTable } from '../../src/audit/postgres-table.js';
import { openSqliteAuditTable } from '../../src/audit/sqlite-table.js';
import type { TaskguardError } from '../../src/errors.js';
import { decision, tempLogFile } from './helpers.js';

type Fault = 'before' | 'after';

/** The real SQLite table with faults injected into appendBatch: before it writes, or after it committed. */
function faulty(table: AuditTable, faults: Fault[]): AuditTable & { calls: number } {
  const wrapped = {
    calls: 0,
    readHead: (chain: string) => table.readHead(chain),
    readCheckpoint: (chain: string) => table.readCheckpoint(chain),
    lines: (chain: string, after?: number) => table.lines(chain, after),
    prune: (chain: string, fromSeq: number, throughPos: number, hash: string) => table.prune(chain, fromSeq, throughPos, hash),
    chains: () => table.chains(),
    close: () => table.close(),
    async appendBatch(chain: string, firstPos: number, lines: readonly string[], head: { seq: number; hash: string }) {
      wrapped.calls += 1;
      const fault = faults.shift();
      if (fault === 'before') throw new Error('connection reset');
      await table.appendBatch(chain, firstPos, lines, head);
      if (fault === 'after') throw new Error('connection reset after commit');
    },
  };
  return wrapped;
}

async function sqliteLog(faults: Fault[], retryForMs = 5000) {
  const file = tempLogFile('retry.db');
  const table = faulty(await openSqliteAuditTable(file), faults);
  const retries: TaskguardError[] = [];
  const failures: TaskguardError[] = [];
  const log = await openDbAuditLog({ table, chain: 'c', sink: { retryForMs, onRetry: (e) => retries.push(e) }, onError: (e) => failures.push(e) });
  return { file, table, log, retries, failures };
}

async function verifyFile(file: string) {
  const table = await openSqliteAuditTable(file);
  try {
    return await verifyAuditChain(table, 'c');
  } finally {
    await table.close();
  }
}

describe('database audit sink: retries', () => {
  it('retries a commit that failed before writing, and tells once', async () => {
    const { file, table, log, retries, failures } = await sqliteLog(['before', 'before']);
    for (let i = 1; i <= 5; i++) log.append(decision(i));
    await log.flush();
    await log.close();
    assert.equal(table.calls, 3);
    assert.equal(retries.length, 1);
    assert.match(retries[0]?.message ?? '', /audit chain c: commit failed, retrying for up to 5000 ms: connection reset/);
    assert.deepEqual(failures, []);
    const result = await verifyFile(file);
    assert.equal(result.ok, true);
    assert.equal(result.records, 5);
  });

  it('recognises a commit whose answer was lost, without writing it twice', async () => {
    const { file, table, log, failures } = await sqliteLog(['after']);
    for (let i = 1; i <= 3; i++) log.append(decision(i));
    await log.flush();
    log.append(decision(4));
    await log.flush();
    await log.close();
    assert.equal(table.calls, 2, 'no retry: the head showed the batch committed');
    assert.deepEqual(failures, []);
    const result = await verifyFile(file);
    assert.deepEqual([result.ok, result.records], [true, 4]);
  });

  it('fails closed once the outage outlasts retryForMs', async () => {
    const { log, failures } = await sqliteLog(Array.from({ length: 100 }, () => 'before' as const), 300);
    log.append(decision(1));
    await assert.rejects(log.flush(), /cannot write audit chain c: connection reset/);
    assert.equal(failures.length, 1);
    assert.throws(() => log.append(decision(2)), /audit log unavailable/);
    await log.close();
  });

  it('never retries over another writer of the chain', async () => {
    const file = tempLogFile('two.db');
    const first = await openDbAuditLog({ table: await openSqliteAuditTable(file), chain: 'c', sink: { retryForMs: 5000 } });
    const second = await openDbAuditLog({ table: await openSqliteAuditTable(file), chain: 'c', sink: { retryForMs: 5000 } });
    first.append(decision(1));
    await first.flush();
    second.append(decision(1));
    const t0 = Date.now();
    await assert.rejects(second.flush(), /another writer appended to this chain/);
    assert.ok(Date.now() - t0 < 1000, 'failed at once, not after the retry window');
    await first.close();
    await second.close();
    const result = await verifyFile(file);
    assert.deepEqual([result.ok, result.records], [true, 1]);
  });
});

const url = process.env['TASKGUARD_TEST_POSTGRES_URL'];
const skip = process.env['TASKGUARD_SKIP_POSTGRES'] === '1';

describe('database audit sink: a PostgreSQL connection dropped mid-commit', { skip: skip ? 'TASKGUARD_SKIP_POSTGRES=1' : false }, () => {
  it('retries on a new connection and keeps one unbroken chain', async () => {
    assert.ok(url, 'TASKGUARD_TEST_POSTGRES_URL is not set: npm test starts a server; or set TASKGUARD_SKIP_POSTGRES=1');
    const schema = `tg_retry_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    const retries: TaskguardError[] = [];
    const log = await openDbAuditLog({
      table: await openPostgresAuditTable({ connectionString: url, schema }), chain: 'c', sink: { retryForMs: 10_000, onRetry: (e) => retries.push(e) },
    });
    try {
      for (let i = 1; i <= 10; i++) log.append(decision(i));
      await log.flush();
      // Hold the head row's table, so the next commit blocks inside its transaction; then kill that backend.
      await admin.query('BEGIN');
      await admin.query(`LOCK TABLE "${schema}".audit_heads IN ACCESS EXCLUSIVE MODE`);
      for (let i = 11; i <= 15; i++) log.append(decision(i));
      let victim: number | undefined;
      for (let tries = 0; victim === undefined && tries < 200; tries++) {
        const { rows } = await admin.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity WHERE application_name = 'taskguard-audit' AND wait_event_type = 'Lock' AND $1 = ANY(pg_blocking_pids(pid))`,
          [(await admin.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid]);
        victim = rows[0]?.pid;
        if (victim === undefined) await new Promise((r) => setTimeout(r, 25));
      }
      assert.ok(victim, 'the audit commit was seen blocked');
      await admin.query('SELECT pg_terminate_backend($1)', [victim]);
      await admin.query('ROLLBACK');
      await log.flush();
      assert.equal(retries.length, 1);
      assert.match(retries[0]?.message ?? '', /terminating connection due to administrator command/);
      assert.ok(!(retries[0]?.message ?? '').includes(new URL(url).password), 'no password in the report');
      for (let i = 16; i <= 20; i++) log.append(decision(i));
      await log.flush();
    } finally {
      await log.close();
    }
    const table = await openPostgresAuditTable({ connectionString: url, schema });
    try {
      const result = await verifyAuditChain(table, 'c');
      assert.deepEqual([result.ok, result.records, result.lastSeq], [true, 20, 20]);
    } finally {
      await table.close();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.end();
    }
  });
});
