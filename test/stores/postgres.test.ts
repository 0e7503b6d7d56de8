import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { APPLICATION_NAME, PostgresStoreError, PostgresTaskStore } from '../../src/stores/postgres.js';
import { SQL, type StatementName } from '../../src/stores/postgres-sql.js';
import { SCHEMA_VERSION } from '../../src/stores/postgres-schema.js';
import { alice, bob, completed, record } from './contract-support.js';
import { describeTaskStoreContract } from './contract.js';
import { describeLeasedTaskStoreContract } from './leased-contract.js';
import {
  SKIP_POSTGRES, TEST_URL, adminClient, dropSchema, openStore, queryPlan, tempPair, tempSchema, tempStore, url, waitFor,
} from './postgres-support.js';

const LIVE = ['working', 'input_required'] as const;

if (SKIP_POSTGRES) {
  describe('PostgresTaskStore', { skip: 'TASKGUARD_SKIP_POSTGRES=1: the PostgreSQL store is not tested' }, () => {});
} else if (TEST_URL === '') {
  // Missing configuration fails: a silently skipped suite would pass CI without ever touching PostgreSQL.
  describe('PostgresTaskStore', () => {
    it('needs a PostgreSQL server', () => {
      assert.fail('TASKGUARD_TEST_POSTGRES_URL is not set: run eval "$(bash scripts/postgres-test.sh start /tmp/taskguard-pg)" '
        + 'first (and scripts/postgres-test.sh stop /tmp/taskguard-pg after), or set TASKGUARD_SKIP_POSTGRES=1 to skip these tests');
    });
  });
} else {
  describeTaskStoreContract('PostgresTaskStore', () => tempStore());
  describeLeasedTaskStoreContract('PostgresTaskStore', () => tempPair());
  describeSchema();
  describePlans();
  describeRaces();
  describeFaults();
  describeValues();
}

/** The error text callers (and logs) get must not carry credentials. */
function assertNoSecrets(message: string): void {
  const password = decodeURIComponent(new URL(url()).password);
  assert.ok(password.length > 0);
  assert.ok(!message.includes(password), `the password leaked: ${message}`);
  assert.ok(!message.includes(url()), `the connection string leaked: ${message}`);
  assert.doesNotMatch(message, /\n/, 'one line');
}

/** schema_version after a migration: each step applied exactly once. */
const EVERY_VERSION_ONCE = Array.from({ length: SCHEMA_VERSION }, (_, i) => ({ version: i + 1 }));

function describeSchema(): void {
  describe('PostgresTaskStore: schema and migrations', () => {
    it('migrates once however often it is opened, and refuses a schema from a newer version', async () => {
      const schema = tempSchema();
      const admin = await adminClient(schema);
      try {
        for (let i = 0; i < 3; i++) await (await openStore(schema)).close();
        assert.deepEqual((await admin.query('SELECT version FROM schema_version ORDER BY version')).rows, EVERY_VERSION_ONCE);
        await admin.query('INSERT INTO schema_version (version, applied_ms) VALUES ($1, 0)', [SCHEMA_VERSION + 1]);
        await assert.rejects(openStore(schema), (err: Error) => {
          assert.match(err.message, new RegExp(`^postgres task store: open failed: task database schema "${schema}" is at version ${SCHEMA_VERSION + 1}, newer than this taskguard's ${SCHEMA_VERSION}$`));
          return true;
        });
      } finally {
        await admin.end();
        await dropSchema(schema);
      }
    });

    it('lets hosts starting at the same moment open a new schema together, migrating it once', async () => {
      const schema = tempSchema();
      try {
        const stores = await Promise.all(Array.from({ length: 6 }, () => openStore(schema, { max: 2 })));
        await stores[0]?.create(record('t'));
        for (const store of stores) assert.equal((await store.get('t'))?.id, 't');
        await Promise.all(stores.map((s) => s.close()));
        const admin = await adminClient(schema);
        try {
          assert.deepEqual((await admin.query('SELECT version FROM schema_version ORDER BY version')).rows, EVERY_VERSION_ONCE);
        } finally {
          await admin.end();
        }
      } finally {
        await dropSchema(schema);
      }
    });

    it('keeps stores in different schemas apart, and keeps everything across a reopen', async () => {
      const one = tempSchema();
      const two = tempSchema();
      try {
        const first = await openStore(one);
        const other = await openStore(two);
        const done = completed('done', alice, { content: [{ type: 'text', text: 'the report' }] });
        await first.create({ ...done, expiresMs: 60_000 });
        await first.create(completed('once', bob));
        await first.recordResultRead('once', true);
        assert.equal(await other.get('done'), undefined, 'another schema is another store');
        await first.close();
        await other.close();
        const again = await openStore(one);
        try {
          assert.deepEqual(await again.get('done'), { ...done, expiresMs: 60_000 });
          assert.equal((await again.get('once'))?.revoked, true);
          assert.equal((await again.get('once'))?.outcome, undefined, 'a read-once payload stays dropped');
        } finally {
          await again.close();
        }
      } finally {
        await dropSchema(one);
        await dropSchema(two);
      }
    });

    it('refuses a schema name it would have to quote, and a connection string that moves it to another schema', async () => {
      await assert.rejects(PostgresTaskStore.open({ connectionString: url(), schema: 'x; DROP TABLE tasks' }), /must be a lowercase identifier/);
      await assert.rejects(PostgresTaskStore.open({ connectionString: url(), schema: 'Public' }), /must be a lowercase identifier/);
      const schema = tempSchema();
      try {
        const moved = new URL(url());
        moved.searchParams.set('options', '-c search_path=pg_temp');
        await assert.rejects(PostgresTaskStore.open({ connectionString: moved.toString(), schema }), (err: Error) => {
          assert.match(err.message, /^postgres task store: open failed: connections do not use schema/);
          assertNoSecrets(err.message);
          return true;
        });
      } finally {
        await dropSchema(schema);
      }
    });

    it('fails to open with a clear one-line error that holds neither the password nor the connection string', async () => {
      const wrong = new URL(url());
      wrong.password = 'not-the-password-b4d';
      await assert.rejects(PostgresTaskStore.open({ connectionString: wrong.toString(), schema: tempSchema() }), (err: Error) => {
        assert.ok(err instanceof PostgresStoreError);
        assert.match(err.message, /^postgres task store: open failed: password authentication failed for user "postgres" \(sqlstate 28P01\)$/);
        assert.ok(!err.message.includes('not-the-password-b4d'));
        assertNoSecrets(err.message);
        return true;
      });
      const closed = new URL(url());
      closed.port = '1';
      await assert.rejects(PostgresTaskStore.open({ connectionString: closed.toString(), schema: tempSchema() }), (err: Error) => {
        assert.match(err.message, /^postgres task store: open failed: connect ECONNREFUSED 127\.0\.0\.1:1$/);
        assertNoSecrets(err.message);
        return true;
      });
    });
  });
}

function describePlans(): void {
  describe('PostgresTaskStore: query plans', () => {
    it('answers every look-up, listing, count, sweep and lease query from an index, never a table scan', async () => {
      const handle = await tempStore();
      const admin = await adminClient(handle.schema);
      try {
        // 5000 tasks: 50 tenants, 500 owners, a tenth of them live and claimed by one of 20 hosts, a
        // seventh with an idempotency key. Written directly: this is about plans, not about create.
        await admin.query(`
          INSERT INTO tasks (id, tool, tenant, sub, client_id, scopes, status, status_message, created_ms, updated_ms, ttl_ms,
            expires_ms, poll_interval_ms, results_read, outcome, revoked, idempotency_key, request_digest, instance_id, lease_until_ms)
          SELECT 'task-' || g, 'tool', 'tenant-' || (g % 50), 'sub-' || (g % 500), 'app', '["s"]',
            CASE WHEN g % 10 = 0 THEN 'working' ELSE 'completed' END, NULL, 1000 + g, 1000 + g, 60000, 61000 + g, 1000, 0, NULL, FALSE,
            CASE WHEN g % 7 = 0 THEN 'key-' || g END, CASE WHEN g % 7 = 0 THEN 'digest' END,
            CASE WHEN g % 10 = 0 THEN 'host-' || (g / 10 % 20) END, CASE WHEN g % 10 = 0 THEN 5000 + g END
          FROM generate_series(1, 5000) AS g`);
        await admin.query('ANALYZE tasks');
        const values: Record<string, unknown> = {
          id: 'task-70', tenant: 'tenant-7', sub: 'sub-7', client_id: 'app', idempotency_key: 'key-7', now: 30_000,
          after_ms: 1500, after_id: 'task-500', limit: 51, instance: 'host-7', until: 40_000, message: '"m"', outcome: '{}',
          from: ['working', 'input_required'], set_status: true, status: 'completed', set_message: false, status_message: null,
          set_outcome: true,
        };
        const expected: Partial<Record<StatementName, string>> = {
          get: 'tasks_pkey', getWithoutOutcome: 'tasks_pkey', byIdempotencyKey: 'tasks_by_idempotency_key', listByOwner: 'tasks_by_owner', listByTenant: 'tasks_by_tenant',
          countLive: 'tasks_live_by_owner', expired: 'tasks_by_expiry', transition: 'tasks_pkey', readOnce: 'tasks_pkey', read: 'tasks_pkey',
          delete: 'tasks_pkey', claim: 'tasks_pkey', renew: 'tasks_live_by_instance', recover: 'tasks_live_by_lease',
        };
        for (const [name, index] of Object.entries(expected) as [StatementName, string][]) {
          for (const mode of ['custom', 'generic'] as const) {
            const plan = await queryPlan(admin, SQL[name], values, mode);
            assert.doesNotMatch(plan, /Seq Scan/, `${name} (${mode}):\n${plan}`);
            assert.match(plan, /Index (Only )?Scan|Bitmap Index Scan/, `${name} (${mode}):\n${plan}`);
            assert.ok(plan.includes(` ${index} `) || plan.includes(` ${index}\n`) || plan.endsWith(` ${index}`), `${name} (${mode}) uses ${index}:\n${plan}`);
          }
        }
        // Paging is an index condition, not a filter applied after reading the owner's earlier rows.
        const page = await queryPlan(admin, SQL.listByOwner, values, 'generic');
        assert.match(page, /Index Cond: .*ROW\(tasks\.created_ms, tasks\.id\) > ROW|Index Cond: .*ROW\(created_ms, id\) > ROW/, page);
      } finally {
        await admin.end();
        await handle.close();
      }
    });
  });
}

function describeRaces(): void {
  describe('PostgresTaskStore: races between two pools', () => {
    it('lets exactly one of 20 concurrent transitions to different terminal statuses win', async () => {
      const { a, b, close } = await tempPair();
      try {
        for (let t = 0; t < 5; t++) {
          const id = `t${t}`;
          await a.create(record(id, alice, 1000, { expiresMs: 60_000 }));
          const statuses = ['completed', 'failed', 'cancelled'] as const;
          const results = await Promise.all(Array.from({ length: 20 }, (_, n) => {
            const status = statuses[n % 3] ?? 'failed';
            const outcome = status === 'completed' ? { kind: 'result' as const, result: { n } } : { kind: 'error' as const, code: -32603, message: `racer ${n}` };
            return (n % 2 ? a : b).transition(id, LIVE, { status, outcome, statusMessage: `by ${n}` }, 2000 + n);
          }));
          const winners = results.filter((r) => r !== undefined);
          assert.equal(winners.length, 1, id);
          assert.deepEqual(await a.get(id), winners[0]);
          assert.deepEqual(await b.get(id), winners[0]);
        }
      } finally {
        await close();
      }
    });

    it('gives a result read once to exactly one of 20 concurrent readers and drops it', async () => {
      const { a, b, close } = await tempPair();
      try {
        for (let t = 0; t < 5; t++) {
          const id = `once-${t}`;
          const outcome = { kind: 'result' as const, result: { secret: t } };
          await a.create(record(id, bob, 1000, { status: 'completed', outcome, expiresMs: 60_000 }));
          const reads = await Promise.all(Array.from({ length: 20 }, (_, n) => (n % 2 ? a : b).recordResultRead(id, true)));
          const winners = reads.filter((r) => r !== undefined);
          assert.equal(winners.length, 1, id);
          assert.deepEqual(winners[0]?.outcome, outcome);
          assert.equal(winners[0]?.resultsRead, 1);
          assert.equal(winners[0]?.revoked, true);
          const after = await b.get(id);
          assert.equal(after?.outcome, undefined, 'the payload is gone');
          assert.equal(after?.revoked, true);
          assert.equal(after?.resultsRead, 1);
        }
      } finally {
        await close();
      }
    });

    it('stores one task for 20 concurrent creates with one idempotency key', async () => {
      const { a, b, close } = await tempPair();
      try {
        for (let t = 0; t < 5; t++) {
          const key = { key: `k-${t}`, digest: 'd' };
          const results = await Promise.all(Array.from({ length: 20 }, (_, n) => (n % 2 ? a : b).create(record(`r${t}-${n}`, alice, 1000 + t, { expiresMs: 60_000, idempotency: key }))));
          const created = results.filter((r) => r.created);
          assert.equal(created.length, 1);
          for (const r of results) assert.deepEqual(r.record, created[0]?.record);
          assert.deepEqual(await a.getByIdempotencyKey(alice, key.key), created[0]?.record);
        }
        assert.equal((await b.list({ kind: 'owner', owner: alice }, 0, undefined, 100)).records.length, 5);
      } finally {
        await close();
      }
    });
  });
}

function describeFaults(): void {
  describe('PostgresTaskStore: dropped connections', () => {
    it('fails an operation whose connection is killed mid-statement cleanly, writes nothing, and works again after', async () => {
      const handle = await tempStore();
      const { store } = handle;
      const admin = await adminClient(handle.schema);
      const adminPid = (await admin.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
      const finish = { status: 'completed' as const, outcome: { kind: 'result' as const, result: { ok: true } } };
      // Killed while parsing a statement its fresh connection has not prepared yet, while executing one it
      // has, and inside the revoking read's transaction on a checked-out connection.
      const rounds = [
        { id: 'cold', operation: 'transition', run: (id: string, now: number) => store.transition(id, LIVE, finish, now) },
        { id: 'warm', operation: 'transition', run: (id: string, now: number) => store.transition(id, LIVE, finish, now) },
        { id: 'once', operation: 'record result read', run: (id: string) => store.recordResultRead(id, true) },
      ];
      try {
        for (const round of rounds) {
          await store.create(round.id === 'once' ? completed('once') : record(round.id, alice, 1000, { expiresMs: 60_000 }));
          const before = await store.get(round.id);
          await admin.query('BEGIN');
          await admin.query('LOCK TABLE tasks IN ACCESS EXCLUSIVE MODE');
          const outcome = round.run(round.id, 2000).then(() => undefined, (err: unknown) => err);
          // The store's backend waiting on the admin's lock. Not filtered on state = 'active': a backend
          // that blocks while parsing a statement still reads 'idle', with the previous statement's text.
          let victim: number | undefined;
          await waitFor(`the ${round.id} ${round.operation} to block on the lock`, async () => {
            const { rows } = await admin.query<{ pid: number }>(
              `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'
                 AND $2::integer = ANY (pg_blocking_pids(pid))`, [APPLICATION_NAME, adminPid]);
            victim = rows[0]?.pid;
            return victim !== undefined;
          });
          assert.deepEqual((await admin.query('SELECT pg_terminate_backend($1) AS done', [victim])).rows, [{ done: true }]);
          const err = await outcome;
          assert.ok(err instanceof PostgresStoreError, `${round.id}: rejected with ${String(err)}`);
          assert.equal(err.message, `postgres task store: ${round.operation} failed: terminating connection due to administrator command (sqlstate 57P01)`);
          assert.equal(err.sqlstate, '57P01');
          assert.equal(err.code, 'store_unavailable');
          assertNoSecrets(err.message);
          await admin.query('ROLLBACK');
          assert.deepEqual(await store.get(round.id), before, `${round.id}: nothing half-written`);
          const retried = await round.run(round.id, 3000);
          assert.ok(retried, `${round.id}: the pool reconnected and the operation went through`);
          // A transition moves lastUpdatedAt; a result read changes nothing about the task.
          assert.equal(retried.updatedMs, round.id === 'once' ? before?.updatedMs : 3000);
        }
        assert.equal((await store.get('once'))?.outcome, undefined, 'the retried single read dropped the payload');
      } finally {
        await admin.query('ROLLBACK').catch(() => undefined);
        await admin.end();
        await handle.close();
      }
    });

    it('survives the server killing its idle connections, and the next operation reconnects', async () => {
      // Other test files may run stores on this server at the same time: this store's connections get a name
      // of their own (the connection string's application_name overrides the store's), so only they are killed.
      const name = `${APPLICATION_NAME}-${tempSchema()}`;
      const own = new URL(url());
      own.searchParams.set('application_name', name);
      const handle = await tempStore({ connectionString: own.toString(), max: 4 });
      const { store } = handle;
      const admin = await adminClient();
      try {
        await store.create(completed('t'));
        // Fill the pool with idle connections.
        await Promise.all(Array.from({ length: 8 }, () => store.get('t')));
        const { rows } = await admin.query<{ pid: number }>(
          `SELECT pg_terminate_backend(pid) AS killed, pid FROM pg_stat_activity WHERE application_name = $1 AND state = 'idle'`, [name]);
        assert.ok(rows.length > 1, 'there were idle connections to kill');
        const pids = rows.map((r) => r.pid);
        await waitFor('the killed backends to exit', async () =>
          (await admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = ANY ($1::integer[])', [pids])).rowCount === 0);
        // Let the pool hear of it (an unheard 'error' event would have crashed the process by now).
        await new Promise((resolve) => setTimeout(resolve, 100));
        assert.equal((await store.get('t'))?.id, 't');
        assert.equal((await store.recordResultRead('t', true))?.resultsRead, 1);
      } finally {
        await admin.end();
        await handle.close();
      }
    });

    it('fails a statement that runs past statementTimeoutMs with a clear error, and keeps working', async () => {
      const handle = await tempStore({ statementTimeoutMs: 200 });
      const admin = await adminClient(handle.schema);
      try {
        await handle.store.create(record('t'));
        await admin.query('BEGIN');
        await admin.query('LOCK TABLE tasks IN ACCESS EXCLUSIVE MODE');
        await assert.rejects(handle.store.recordResultRead('t', true), (err: Error) => {
          assert.match(err.message, /^postgres task store: record result read failed: canceling statement due to statement timeout \(sqlstate 57014\)$/);
          return true;
        });
        await admin.query('ROLLBACK');
        assert.equal((await handle.store.get('t'))?.resultsRead, 0, 'the read was rolled back');
        assert.equal((await handle.store.recordResultRead('t', true))?.resultsRead, 1);
      } finally {
        await admin.query('ROLLBACK').catch(() => undefined);
        await admin.end();
        await handle.close();
      }
    });
  });
}

function describeValues(): void {
  describe('PostgresTaskStore: values PostgreSQL cannot hold', () => {
    it('refuses binding fields with U+0000 or a lone surrogate, and repairs only display text', async () => {
      const handle = await tempStore();
      try {
        const { store } = handle;
        await assert.rejects(store.create(record('t', { ...alice, sub: 'x\uD800' })), /^Error: task owner sub is not well-formed Unicode$/);
        await assert.rejects(store.create(record('t', { ...alice, tenant: '\uDC00' })), /owner tenant is not well-formed/);
        await assert.rejects(store.create(record('t', { ...alice, client_id: 'a\u0000b' })), /^Error: task owner client_id contains U\+0000, which PostgreSQL cannot store$/);
        await assert.rejects(store.create(record('t\u0000', alice)), /task id contains U\+0000/);
        await assert.rejects(store.create(record('t', alice, 1000, { tool: 'x\uDFFF' })), /task tool is not well-formed/);
        await assert.rejects(store.create(record('t', alice, 1000, { scopes: ['a\uD83D'] })), /task scope is not well-formed/);
        await assert.rejects(store.create(record('t', alice, 1000, { scopes: ['a\u0000'] })), /task scope contains U\+0000/);
        await assert.rejects(store.create(record('t', alice, 1000, { idempotency: { key: 'k\u0000', digest: 'd' } })), /idempotency key contains U\+0000/);
        await assert.rejects(store.create(record('t', alice, 1000, { createdMs: 1.5 })), /task createdMs is not a safe integer/);
        assert.equal(await store.get('t'), undefined);

        await store.create(record('t'));
        await assert.rejects(store.claim('t', 'host\uD800', 1000, 0), /instance id is not well-formed/);
        const cut = await store.transition('t', LIVE, { statusMessage: 'progress \uD83D' }, 1100);
        assert.equal(cut?.statusMessage, 'progress \uFFFD');
        const nul = await store.transition('t', LIVE, { statusMessage: 'a\u0000b \uD83D\uDE00' }, 1150);
        assert.equal(nul?.statusMessage, 'a\u0000b \uD83D\uDE00', 'status messages are stored as JSON: U+0000 round-trips');
        const lone = { kind: 'result' as const, result: { text: 'lone \uD83D surrogate and \u0000 nul', ['key\uDC00']: ['\uD800'] } };
        const done = await store.transition('t', LIVE, { status: 'completed', outcome: lone }, 1200);
        assert.deepEqual(done?.outcome, lone, 'outcomes are JSON-escaped, so even this round-trips');
        assert.deepEqual((await store.recordResultRead('t', true))?.outcome, lone);
      } finally {
        await handle.close();
      }
    });

    it('never lets a look-up with such a value find the task whose id it would turn into', async () => {
      const handle = await tempStore();
      try {
        const { store } = handle;
        // pg would send "x\uD800" as "x\uFFFD": without the check, this look-up would find another task.
        const other = { ...alice, sub: 'x\uFFFD' };
        await store.create(record('x\uFFFD', other, 1000, { idempotency: { key: 'k\uFFFD', digest: 'd' } }));
        await store.claim('x\uFFFD', 'host\uFFFD', 1000, 0);
        assert.equal(await store.get('x\uD800'), undefined);
        assert.equal(await store.get('x\u0000'), undefined);
        assert.equal(await store.transition('x\uD800', LIVE, { status: 'cancelled' }, 1100), undefined);
        assert.equal(await store.recordResultRead('x\uD800', false), undefined);
        assert.equal(await store.claim('x\uD800', 'host', 1000, 0), false);
        assert.equal(await store.delete('x\uD800'), false);
        assert.equal(await store.getByIdempotencyKey(other, 'k\uD800'), undefined);
        assert.equal(await store.getByIdempotencyKey({ ...alice, sub: 'x\uD800' }, 'k\uFFFD'), undefined);
        assert.equal(await store.countLive({ ...alice, sub: 'x\uDBFF' }, 0), 0);
        assert.deepEqual(await store.renewLeases('host\uD800', 1000, 0), []);
        assert.deepEqual((await store.list({ kind: 'owner', owner: { ...alice, sub: 'x\uD800' } }, 0, undefined, 10)).records, []);
        assert.deepEqual((await store.list({ kind: 'tenant', tenant: 'acme\u0000' }, 0, undefined, 10)).records, []);
        // The real thing is still there, untouched.
        const stored = await store.get('x\uFFFD');
        assert.equal(stored?.status, 'working');
        assert.equal(await store.countLive(other, 0), 1);
        assert.deepEqual(await store.renewLeases('host\uFFFD', 1000, 10), ['x\uFFFD']);
        // A list position past every id that starts with "x": cut at U+0000, the comparison is the same.
        assert.deepEqual((await store.list({ kind: 'owner', owner: other }, 0, { createdMs: 1000, id: 'x\u0000' }, 10)).records.map((r) => r.id), ['x\uFFFD']);
        await assert.rejects(store.list({ kind: 'owner', owner: other }, 0, { createdMs: 1000, id: 'x\uD800' }, 10), /position id is not well-formed/);
      } finally {
        await handle.close();
      }
    });

    it('fails closed on a row it cannot read: a malformed outcome, an integer past 2^53', async () => {
      const handle = await tempStore();
      const admin = await adminClient(handle.schema);
      try {
        await handle.store.create(completed('t'));
        await handle.store.create(record('big'));
        await admin.query(`UPDATE tasks SET outcome = '{"kind":"nonsense"}' WHERE id = 't'`);
        await admin.query(`UPDATE tasks SET expires_ms = 9007199254740993 WHERE id = 'big'`);
        await assert.rejects(handle.store.get('t'), /malformed outcome/);
        await assert.rejects(handle.store.get('big'), /^PostgresStoreError: postgres task store: get failed: integer 9007199254740993 is outside JavaScript's safe range$/);
        assert.equal(await handle.store.countLive(alice, 0), 1, 'counts still parse');
      } finally {
        await admin.end();
        await handle.close();
      }
    });
  });
}
