import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import pg from 'pg';
import { PostgresTaskStore, type PostgresStoreOptions } from '../../src/stores/postgres.js';
import type { Statement } from '../../src/stores/postgres-sql.js';
import type { StoreHandle } from './contract-support.js';
import type { StorePair } from './leased-contract.js';

/** TASKGUARD_SKIP_POSTGRES=1 skips the PostgreSQL tests; otherwise they need a server (scripts/postgres-test.sh). */
export const SKIP_POSTGRES = process.env['TASKGUARD_SKIP_POSTGRES'] === '1';
export const TEST_URL = process.env['TASKGUARD_TEST_POSTGRES_URL'] ?? '';

/**
 * A suite that needs PostgreSQL: skipped (and said so) with TASKGUARD_SKIP_POSTGRES=1, and failing without a
 * server to test against, since a suite skipped silently would pass CI without ever touching PostgreSQL.
 */
export function describePostgres(name: string, body: () => void): void {
  if (SKIP_POSTGRES) return void describe(name, { skip: 'TASKGUARD_SKIP_POSTGRES=1' }, () => {});
  if (TEST_URL === '') {
    return void describe(name, () => {
      it('needs a PostgreSQL server', () => assert.fail('TASKGUARD_TEST_POSTGRES_URL is not set: npm test starts one; or set TASKGUARD_SKIP_POSTGRES=1 to skip'));
    });
  }
  describe(name, body);
}

export function url(): string {
  if (TEST_URL === '') throw new Error('TASKGUARD_TEST_POSTGRES_URL is not set');
  return TEST_URL;
}

/** A schema name no other test uses: every store lives in its own, dropped when its handle closes. */
export function tempSchema(): string {
  return `tg_test_${randomBytes(6).toString('hex')}`;
}

/** A plain pg client outside the store, as an administrator (or an attacker with a connection) would have. */
export async function adminClient(schema?: string): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: url(),
    application_name: 'taskguard-test-admin',
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  // Tests terminate backends; an admin connection caught up in that must not crash the run.
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

export async function dropSchema(schema: string): Promise<void> {
  const admin = await adminClient();
  try {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await admin.end();
  }
}

export async function openStore(schema: string, options: Partial<PostgresStoreOptions> = {}): Promise<PostgresTaskStore> {
  return PostgresTaskStore.open({ connectionString: url(), schema, ...options });
}

export async function tempStore(options: Partial<PostgresStoreOptions> = {}): Promise<StoreHandle<PostgresTaskStore> & { schema: string }> {
  const schema = tempSchema();
  const store = await openStore(schema, options);
  return {
    store,
    schema,
    close: async () => {
      await store.close();
      await dropSchema(schema);
    },
  };
}

/** Two handles (two pools) on one schema, as two host processes would have. */
export async function tempPair(): Promise<StorePair & { schema: string }> {
  const schema = tempSchema();
  const a = await openStore(schema);
  const b = await openStore(schema);
  return {
    a,
    b,
    schema,
    close: async () => {
      await a.close();
      await b.close();
      await dropSchema(schema);
    },
  };
}

/**
 * The plan PostgreSQL chooses for one of the store's statements, with `values` bound by parameter name:
 * `custom` plans for these values (what the first executions of a prepared statement get), `generic`
 * plans for any values (what a prepared statement may settle on after five executions).
 */
export async function queryPlan(client: pg.Client, statement: Statement, values: Record<string, unknown>, mode: 'custom' | 'generic'): Promise<string> {
  // EXECUTE takes no bound parameters, so the values go in as literals.
  const literal = (value: unknown): string => {
    if (value === null) return 'NULL';
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    if (Array.isArray(value)) return `ARRAY[${value.map(literal).join(', ')}]`;
    return client.escapeLiteral(String(value));
  };
  const args = statement.params.map((name) => {
    if (!(name in values)) throw new Error(`no plan value for ${name}`);
    return literal(values[name]);
  });
  await client.query(`SET plan_cache_mode = force_${mode}_plan`);
  await client.query(`PREPARE plan_me AS ${statement.text}`);
  try {
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN EXECUTE plan_me${args.length > 0 ? `(${args.join(', ')})` : ''}`);
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  } finally {
    await client.query('DEALLOCATE plan_me');
  }
}

/** Polls `check` until it holds or `timeoutMs` passes. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
