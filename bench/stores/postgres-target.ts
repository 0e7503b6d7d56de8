import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PostgresTaskStore } from '../../src/stores/postgres.js';
import { SQL, type Statement } from '../../src/stores/postgres-sql.js';
import type { ListPosition } from '../../src/stores/types.js';
import { registerCleanup } from '../lib/cleanup.js';
import { HEAVY_OWNER, postgresInsertSql, type Dataset } from './dataset.js';
import { progress, seedProgress, type DiagnosisInputs, type StoreTarget } from './target.js';

/** Rows per INSERT ... SELECT: one statement each, so progress shows and no transaction gets huge. */
const SEED_CHUNK = 100_000;

export const POSTGRES_URL_VARS = ['TASKGUARD_BENCH_POSTGRES_URL', 'TASKGUARD_TEST_POSTGRES_URL'] as const;

export function postgresUrl(): string | undefined {
  for (const name of POSTGRES_URL_VARS) {
    const value = process.env[name];
    if (value) return value;
  }
  return undefined;
}

export const NO_POSTGRES = [
  `bench stores: PostgreSQL was asked for but neither ${POSTGRES_URL_VARS.join(' nor ')} is set.`,
  'Start a throwaway server and point the benchmark at it:',
  '  eval "$(bash scripts/postgres-test.sh start /tmp/pg-bench)"',
  '  npm run bench -- stores',
  '  bash scripts/postgres-test.sh stop /tmp/pg-bench',
  'or run SQLite alone: npm run bench -- stores --stores sqlite',
].join('\n');

/** Server version and the settings that bear on read latency, one line. */
export async function postgresFacts(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const show = async (name: string): Promise<string> => ((await client.query<Record<string, string>>(`SHOW ${name}`)).rows[0]?.[name] ?? '?');
    return `${await show('server_version')} (shared_buffers ${await show('shared_buffers')}, fsync ${await show('fsync')}, synchronous_commit ${await show('synchronous_commit')})`;
  } finally {
    await client.end();
  }
}

/**
 * A PostgresTaskStore in a fresh random schema (its own migration creates it), seeded by INSERT ... SELECT
 * from generate_series in chunks (dataset.ts postgresInsertSql), then VACUUM ANALYZE, as autovacuum would
 * leave a table that has settled. close drops the schema. A SIGINT cannot wait for a DROP, so it only says
 * which schema was left behind.
 */
export async function openPostgresTarget(ds: Dataset, url: string): Promise<StoreTarget> {
  const schema = `taskguard_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  const unregister = registerCleanup(() => process.stderr.write(`[stores] schema ${schema} is left in the database: DROP SCHEMA ${schema} CASCADE\n`));
  let store: PostgresTaskStore | undefined;
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    try {
      await store?.close();
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      unregister();
    } finally {
      await admin.end();
    }
  };
  try {
    store = await PostgresTaskStore.open({ connectionString: url, schema, max: 2 });
    progress(`postgres ${ds.size.toLocaleString('en-US')}: schema ${schema}`);
    await seed(admin, ds, `${schema}.tasks`);
    return {
      kind: 'postgres',
      store,
      countRows: async () => Number((await admin.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.tasks`)).rows[0]?.n),
      plans: async () => plans(admin, schema, ds),
      describe: async () => describe(admin, `${schema}.tasks`),
      diagnose: async (inputs) => diagnose(admin, schema, inputs),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

async function seed(client: pg.Client, ds: Dataset, table: string): Promise<void> {
  const sql = postgresInsertSql(ds, table);
  const label = `postgres ${ds.size.toLocaleString('en-US')}`;
  const report = seedProgress(`${label}: seeding`, ds.size, SEED_CHUNK);
  for (let from = 0; from < ds.size; from += SEED_CHUNK) {
    const to = Math.min(ds.size, from + SEED_CHUNK);
    await client.query(sql, [from, to - 1]);
    report(to);
  }
  const started = Date.now();
  // Sets hint bits and the visibility map and gathers statistics: without it the first reads would write.
  await client.query(`VACUUM (ANALYZE) ${table}`);
  progress(`${label}: VACUUM (ANALYZE) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/**
 * EXPLAIN of the store's own statements as generic plans: the store runs named prepared statements, which
 * PostgreSQL switches to a generic plan after five executions when that looks no worse.
 */
async function plans(client: pg.Client, schema: string, ds: Dataset): Promise<Record<string, string>> {
  const owner = { tenant: HEAVY_OWNER.tenant, sub: HEAVY_OWNER.sub, client_id: HEAVY_OWNER.client_id };
  const explain = async (statement: Statement, values: Record<string, string | number>): Promise<string> => {
    const args = statement.params.map((p) => {
      const v = values[p];
      if (v === undefined) throw new Error(`plan of ${statement.name}: no value for ${p}`);
      return typeof v === 'number' ? String(v) : client.escapeLiteral(v);
    });
    await client.query(`PREPARE bench_plan AS ${statement.text}`);
    try {
      const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (COSTS OFF) EXECUTE bench_plan(${args.join(', ')})`);
      return rows.map((r) => r['QUERY PLAN'].trim()).join(' / ');
    } finally {
      await client.query('DEALLOCATE bench_plan');
    }
  };
  await client.query(`SET search_path TO ${schema}`);
  await client.query('SET plan_cache_mode = force_generic_plan');
  try {
    return {
      get: await explain(SQL.get, { id: 'x' }),
      list: await explain(SQL.listByOwner, { ...owner, now: ds.nowMs, after_ms: 0, after_id: '', limit: 51 }),
      countLive: await explain(SQL.countLive, { ...owner, now: ds.nowMs }),
      expired: await explain(SQL.expired, { now: ds.nowMs, limit: 500 }),
    };
  } finally {
    await client.query('RESET plan_cache_mode');
    await client.query('RESET search_path');
  }
}

async function describe(client: pg.Client, table: string): Promise<string> {
  const { rows } = await client.query<{ t: string; i: string; sb: string }>(
    `SELECT pg_size_pretty(pg_table_size($1::regclass)) AS t, pg_size_pretty(pg_indexes_size($1::regclass)) AS i, current_setting('shared_buffers') AS sb`,
    [table],
  );
  const r = rows[0];
  return `table ${r?.t ?? '?'} (with TOAST), indexes ${r?.i ?? '?'}; shared_buffers ${r?.sb ?? '?'}`;
}

/**
 * EXPLAIN (ANALYZE, BUFFERS) of each timed statement on the inputs given, after the timed pass (so the cache
 * is as warm as the measurement left it): the pages one call found in shared_buffers (hit) and the ones it
 * had to read from the OS (read), on average. Growth in `read` is what a cache smaller than the table costs.
 */
async function diagnose(client: pg.Client, schema: string, inputs: DiagnosisInputs): Promise<Record<string, string>> {
  const buffers = async (statement: Statement, calls: Record<string, string | number>[]): Promise<string> => {
    let hit = 0;
    let read = 0;
    for (const values of calls) {
      const args = statement.params.map((p) => values[p] ?? null);
      const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) ${statement.text}`, args);
      // The first Buffers line is the top plan node's: the whole statement's execution, planning aside.
      const line = rows.map((r) => r['QUERY PLAN']).find((l) => l.trim().startsWith('Buffers:')) ?? '';
      hit += Number(/hit=(\d+)/.exec(line)?.[1] ?? 0);
      read += Number(/read=(\d+)/.exec(line)?.[1] ?? 0);
    }
    const n = Math.max(1, calls.length);
    return `shared hit ${(hit / n).toFixed(1)}, read ${(read / n).toFixed(1)} pages per call`;
  };
  const owner = (o: { tenant: string; sub: string; client_id: string }): Record<string, string> => ({ tenant: o.tenant, sub: o.sub, client_id: o.client_id });
  const page = (after: ListPosition | undefined): Record<string, string | number> => ({
    now: inputs.nowMs, after_ms: after?.createdMs ?? Number.MIN_SAFE_INTEGER, after_id: after?.id ?? '', limit: 51,
  });
  await client.query(`SET search_path TO ${schema}`);
  try {
    return {
      get: await buffers(SQL.get, inputs.ids.map((id) => ({ id }))),
      'list-first': await buffers(SQL.listByOwner, inputs.owners.map((o) => ({ ...owner(o), ...page(undefined) }))),
      'list-deep': await buffers(SQL.listByOwner, inputs.afters.map((a) => ({ ...owner(inputs.heavy), ...page(a) }))),
      'count-live': await buffers(SQL.countLive, inputs.owners.map((o) => ({ ...owner(o), now: inputs.nowMs }))),
      expired: await buffers(SQL.expired, [{ now: inputs.nowMs, limit: 500 }]),
    };
  } finally {
    await client.query('RESET search_path');
  }
}
