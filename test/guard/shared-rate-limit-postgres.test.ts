import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSharedRateLimiter, sliceKey, sliceSizeFor, WINDOW_MS, type SharedRateLimiter, type SliceStore } from '../../src/guard/shared-rate-limit.js';
import type { PostgresTaskStore } from '../../src/stores/postgres.js';
import { SQL } from '../../src/stores/postgres-sql.js';
import { adminClient, dropSchema, openStore, queryPlan, describePostgres, TEST_URL, tempPair, tempSchema } from '../stores/postgres-support.js';

/** A window start well away from the clock: every case picks its own minute, so cases never share budgets. */
let nextWindow = 1_000;
const freshWindow = (): number => (nextWindow += 10) * WINDOW_MS;

/** Takes once on each host in turn, letting each refill land before the next take, until all refuse. */
async function drain(hosts: readonly SharedRateLimiter[], key: string, nowMs: number): Promise<number> {
  let admitted = 0;
  for (let refusedInARow = 0; refusedInARow < hosts.length * 2;) {
    for (const host of hosts) {
      if (host.take(key, nowMs) === 0) {
        admitted += 1;
        refusedInARow = 0;
      } else {
        refusedInARow += 1;
      }
      await host.settled();
    }
  }
  return admitted;
}

describePostgres('rate limits shared over PostgreSQL', () => {
  let pair: Awaited<ReturnType<typeof tempPair>>;
  let a: PostgresTaskStore;
  let b: PostgresTaskStore;
  before(async () => {
    pair = await tempPair();
    a = pair.a as PostgresTaskStore;
    b = pair.b as PostgresTaskStore;
  });
  after(async () => {
    await pair.close();
  });
  /** What an administrator sees in the shared schema. */
  const query = async <R extends Record<string, unknown>>(sql: string, values: unknown[]): Promise<R[]> => {
    const admin = await adminClient(pair.schema);
    try {
      return (await admin.query<R>(sql, values)).rows;
    } finally {
      await admin.end();
    }
  };

  it('gives a principal hitting two hosts exactly its limit per window, then a fresh budget', async () => {
    const limit = 60;
    const one = createSharedRateLimiter(a, limit);
    const two = createSharedRateLimiter(b, limit);
    const windowMs = freshWindow();
    assert.equal(await drain([one, two], 'alice', windowMs + 5), limit);
    const wait = one.take('alice', windowMs + 20_000);
    assert.equal(wait, WINDOW_MS - 20_000, 'a spent budget is retried at the next window');
    assert.equal(await drain([one, two], 'bob', windowMs + 6), limit, 'another principal has its own budget');
    assert.equal(await drain([one, two], 'alice', windowMs + WINDOW_MS), limit, 'the next window starts over');
  });

  it('costs a busy principal a few writes per window, not one per request', async () => {
    const limit = 600;
    let slices = 0;
    const counting: SliceStore = {
      takeSlice: (...args) => {
        slices += 1;
        return a.takeSlice(...args);
      },
      pruneSlices: (beforeMs) => a.pruneSlices(beforeMs),
    };
    const one = createSharedRateLimiter(counting, limit);
    const two = createSharedRateLimiter(b, limit);
    assert.equal(await drain([one, two], 'carol', freshWindow()), limit);
    // Half the budget went through `one`, in slices of a tenth of the limit, plus the one that came back short.
    assert.ok(slices <= limit / 2 / sliceSizeFor(limit) + 2, `${slices} slice requests for ${limit / 2} operations`);
  });

  it('admits at most the limit plus one slice per host when hosts spend their credit as the budget runs out', async () => {
    const limit = 50;
    const slice = sliceSizeFor(limit);
    const windowMs = freshWindow();
    const third = createSharedRateLimiter(a, limit);
    assert.equal(await drain([third], 'dave', windowMs), limit, 'a third host spent the whole budget');
    // Two hosts that have not seen dave this window admit on credit before their first answer comes back.
    const one = createSharedRateLimiter(a, limit);
    const two = createSharedRateLimiter(b, limit);
    let admitted = 0;
    for (let i = 0; i < slice * 3; i++) {
      for (const host of [one, two]) if (host.take('dave', windowMs + 1) === 0) admitted += 1;
    }
    assert.equal(admitted, 2 * slice, 'each host admits exactly one slice of credit');
    await Promise.all([one.settled(), two.settled()]);
    assert.equal(await drain([one, two], 'dave', windowMs + 2), 0, 'then the database says the budget is spent');
    const rows = await query('SELECT granted FROM rate_slices WHERE principal = $1 AND window_ms = $2', [sliceKey('dave'), windowMs]);
    assert.deepEqual(rows, [{ granted: String(limit) }], 'the database never handed out more than the limit');
  });

  it('costs a principal using less than half a slice on a host no write at all', async () => {
    const limit = 600;
    const windowMs = freshWindow();
    const one = createSharedRateLimiter(a, limit);
    for (let i = 0; i < sliceSizeFor(limit) / 2 - 1; i++) assert.equal(one.take('ivan', windowMs), 0);
    await one.settled();
    assert.deepEqual(await query('SELECT count(*) AS n FROM rate_slices WHERE principal = $1', [sliceKey('ivan')]), [{ n: '0' }]);
  });

  it('keeps counting in the database: the row holds what was handed out, under a digest of the principal', async () => {
    const limit = 30;
    const windowMs = freshWindow();
    const one = createSharedRateLimiter(a, limit);
    // Half a slice used here: the host asks for what it used on credit and a slice ahead.
    const used = Math.ceil(sliceSizeFor(limit) / 2);
    for (let i = 0; i < used; i++) one.take('erin\u0000acme', windowMs);
    await one.settled();
    const rows = await query('SELECT principal, granted FROM rate_slices WHERE window_ms = $1', [windowMs]);
    assert.deepEqual(rows, [{ principal: sliceKey('erin\u0000acme'), granted: String(used + sliceSizeFor(limit)) }]);
  });

  it('follows a raised limit within the window', async () => {
    const one = createSharedRateLimiter(a, 20);
    const windowMs = freshWindow();
    assert.equal(await drain([one], 'frank', windowMs), 20);
    one.setRate(40);
    assert.equal(one.perMinute, 40);
    assert.equal(await drain([one], 'frank', windowMs + 1), 20, 'the other 20 of the new limit');
  });

  it('drops the rows of windows that ended', async () => {
    const windowMs = freshWindow();
    const one = createSharedRateLimiter(a, 10);
    one.take('gina', windowMs);
    await one.settled();
    const later = createSharedRateLimiter(b, 10);
    later.take('gina', windowMs + 2 * WINDOW_MS);
    await later.settled();
    assert.deepEqual(await query('SELECT count(*) AS n FROM rate_slices WHERE window_ms <= $1', [windowMs]), [{ n: '0' }]);
  });

  it('prunes ended windows through their index, not a table scan', async () => {
    const admin = await adminClient(pair.schema);
    try {
      await admin.query(`INSERT INTO rate_slices (principal, window_ms, granted, last_slice)
        SELECT 'p-' || (g % 2000), (g / 2000) * ${WINDOW_MS}, 1, 1 FROM generate_series(1, 20000) AS g`);
      await admin.query('ANALYZE rate_slices');
      for (const mode of ['custom', 'generic'] as const) {
        const plan = await queryPlan(admin, SQL.pruneSlices, { before: WINDOW_MS, limit: 5000 }, mode);
        assert.match(plan, /rate_slices_by_window/, `${mode}:\n${plan}`);
      }
      await a.pruneSlices(20 * WINDOW_MS);
      assert.deepEqual((await admin.query('SELECT count(*) AS n FROM rate_slices WHERE window_ms < $1', [20 * WINDOW_MS])).rows, [{ n: '0' }], 'every batch, not just the first');
    } finally {
      await admin.end();
    }
  });

  it('adds the slices table to a schema made by the first version, keeping its tasks', async () => {
    const schema = tempSchema();
    try {
      const first = await openStore(schema);
      await first.create({ id: 'kept', tool: 't', owner: { tenant: 'acme', sub: 'al', client_id: 'app' }, scopes: [], status: 'working', createdMs: 0, updatedMs: 0, ttlMs: 1000, expiresMs: 1000, pollIntervalMs: 100, resultsRead: 0, revoked: false });
      await first.close();
      const admin = await adminClient(schema);
      try {
        // Back to version 1, as a schema from before this migration looks.
        await admin.query('DROP TABLE rate_slices');
        await admin.query('DELETE FROM schema_version WHERE version > 1');
      } finally {
        await admin.end();
      }
      const upgraded = await openStore(schema);
      try {
        assert.equal((await upgraded.get('kept'))?.id, 'kept');
        assert.equal(await upgraded.takeSlice('p', 0, 5, 10), 5);
        assert.equal(await upgraded.takeSlice('p', 0, 8, 10), 5, 'never past the limit');
        assert.equal(await upgraded.takeSlice('p', 0, 8, 10), 0);
      } finally {
        await upgraded.close();
      }
    } finally {
      await dropSchema(schema);
    }
  });

  it('fails closed when the database is gone: one slice of credit, then refusals', async () => {
    const gone = await openStore(pair.schema);
    await gone.close();
    const errors: Error[] = [];
    const limit = 40;
    const one = createSharedRateLimiter(gone, limit, { onError: (err) => errors.push(err) });
    const windowMs = freshWindow();
    let admitted = 0;
    for (let i = 0; i < limit; i++) {
      if (one.take('hana', windowMs) === 0) admitted += 1;
      await one.settled();
    }
    assert.equal(admitted, sliceSizeFor(limit));
    assert.ok(errors.length > 0);
    assert.ok(errors.every((err) => !err.message.includes(new URL(TEST_URL).password)), 'errors never carry the password');
  });
});
