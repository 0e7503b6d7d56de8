import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { APPLICATION_NAME, PostgresTaskStore } from '../../src/stores/postgres.js';
import { SQL, type Statement } from '../../src/stores/postgres-sql.js';
import type { ListPosition } from '../../src/stores/types.js';
import { registerCleanup } from '../lib/cleanup.js';
import { isLocalPostgres } from './cpu.js';
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
      ping: async () => {
        await admin.query({ name: 'bench_ping', text: 'SELECT 1' });
      },
      serverPids: async () => {
        // The store's connections, and this session, which answers the round-trip pings.
        const { rows } = await admin.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity WHERE (application_name = $1::text AND datname = current_database()) OR pid = pg_backend_pid()`,
          [APPLICATION_NAME],
        );
        return rows.map((r) => r.pid).filter(isLocalPostgres);
      },
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

type Values = Record<string, string | number>;

/**
 * EXPLAIN of one of the store's statements as the generic plan, with `values` as the arguments. The store
 * runs named prepared statements, which PostgreSQL switches to one generic plan per connection after five
 * custom ones when that looks no worse (planCache below shows that it does here). A plain EXPLAIN with the
 * values would show the custom plan instead, which for deep pages is a different one.
 */
async function explainGeneric(client: pg.Client, statement: Statement, values: Values, options: string): Promise<string[]> {
  const args = statement.params.map((p) => {
    const v = values[p];
    if (v === undefined) throw new Error(`EXPLAIN ${statement.name}: no value for ${p}`);
    return typeof v === 'number' ? String(v) : client.escapeLiteral(v);
  });
  await client.query('SET plan_cache_mode = force_generic_plan');
  await client.query(`PREPARE bench_plan AS ${statement.text}`);
  try {
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (${options}) EXECUTE bench_plan(${args.join(', ')})`);
    return rows.map((r) => r['QUERY PLAN']);
  } finally {
    await client.query('DEALLOCATE bench_plan');
    await client.query('RESET plan_cache_mode');
  }
}

async function plans(client: pg.Client, schema: string, ds: Dataset): Promise<Record<string, string>> {
  const owner = { tenant: HEAVY_OWNER.tenant, sub: HEAVY_OWNER.sub, client_id: HEAVY_OWNER.client_id };
  const explain = async (statement: Statement, values: Values): Promise<string> =>
    (await explainGeneric(client, statement, values, 'COSTS OFF')).map((l) => l.trim()).join(' / ');
  await client.query(`SET search_path TO ${schema}`);
  try {
    return {
      get: await explain(SQL.get, { id: 'x' }),
      list: await explain(SQL.listByOwner, { ...owner, now: ds.nowMs, after_ms: 0, after_id: '', limit: 51 }),
      countLive: await explain(SQL.countLive, { ...owner, now: ds.nowMs }),
      expired: await explain(SQL.expired, { now: ds.nowMs, limit: 500 }),
    };
  } finally {
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
 * After the timed pass (so the cache is as warm as the measurement left it), per operation: the pages one
 * call found in shared_buffers (hit) and had to read from the OS (read), on average, from EXPLAIN (ANALYZE,
 * BUFFERS) of the generic plan; growth in `read` is what a cache smaller than the table costs. For the
 * listings also which plans a connection of the store's settles on, by replaying the same inputs through the
 * same named statement on a session of our own (pg_prepared_statements counts generic and custom plans).
 */
async function diagnose(client: pg.Client, schema: string, inputs: DiagnosisInputs): Promise<Record<string, string>> {
  const buffers = async (statement: Statement, calls: Values[]): Promise<string> => {
    let hit = 0;
    let read = 0;
    for (const values of calls) {
      const lines = await explainGeneric(client, statement, values, 'ANALYZE, BUFFERS, COSTS OFF, TIMING OFF');
      // The first Buffers line is the top plan node's: the whole statement's execution, planning aside.
      const line = lines.find((l) => l.trim().startsWith('Buffers:')) ?? '';
      hit += Number(/hit=(\d+)/.exec(line)?.[1] ?? 0);
      read += Number(/read=(\d+)/.exec(line)?.[1] ?? 0);
    }
    const n = Math.max(1, calls.length);
    return `shared hit ${(hit / n).toFixed(1)}, read ${(read / n).toFixed(1)} pages per call`;
  };
  const planCache = async (statement: Statement, tag: string, calls: Values[]): Promise<string> => {
    // A name of its own per replay: pg remembers which names it has parsed on this connection, DEALLOCATE or not.
    const name = `bench_${tag}_${statement.name}`;
    for (const values of calls) await client.query({ name, text: statement.text, values: statement.params.map((p) => values[p] ?? null) });
    const { rows } = await client.query<{ generic_plans: string; custom_plans: string }>(
      'SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = $1::text', [name],
    );
    await client.query(`DEALLOCATE ${name}`);
    return `plan cache after ${calls.length} calls: ${rows[0]?.generic_plans ?? '?'} generic, ${rows[0]?.custom_plans ?? '?'} custom`;
  };
  const owner = (o: { tenant: string; sub: string; client_id: string }): Values => ({ tenant: o.tenant, sub: o.sub, client_id: o.client_id });
  const page = (after: ListPosition | undefined): Values => ({
    now: inputs.nowMs, after_ms: after?.createdMs ?? Number.MIN_SAFE_INTEGER, after_id: after?.id ?? '', limit: 51,
  });
  const firstPages = inputs.owners.map((o) => ({ ...owner(o), ...page(undefined) }));
  const deepPages = inputs.afters.map((a) => ({ ...owner(inputs.heavy), ...page(a) }));
  await client.query(`SET search_path TO ${schema}`);
  try {
    return {
      get: await buffers(SQL.get, inputs.ids.map((id) => ({ id }))),
      'list-first': `${await buffers(SQL.listByOwner, firstPages)}; ${await planCache(SQL.listByOwner, 'first', firstPages)}`,
      'list-deep': `${await buffers(SQL.listByOwner, deepPages)}; ${await planCache(SQL.listByOwner, 'deep', deepPages)}`,
      'count-live': await buffers(SQL.countLive, inputs.owners.map((o) => ({ ...owner(o), now: inputs.nowMs }))),
      expired: await buffers(SQL.expired, [{ now: inputs.nowMs, limit: 500 }]),
    };
  } finally {
    await client.query('RESET search_path');
  }
}
