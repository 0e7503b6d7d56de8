// `taskguard audit verify --config FILE` (or TASKGUARD_CONFIG): the log that host config writes, whether a
// JSONL file or this host's chain in the store's SQLite file or PostgreSQL schema.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { openDbAuditLog } from '../../src/audit/db-open.js';
import type { AuditTable } from '../../src/audit/db-table.js';
import { openPostgresAuditTable } from '../../src/audit/postgres-table.js';
import { openSqliteAuditTable } from '../../src/audit/sqlite-table.js';
import { decision, writeLog } from '../audit/helpers.js';
import { SKIP_POSTGRES, TEST_URL, dropSchema, tempSchema } from '../stores/postgres-support.js';
import { runCli as run } from '../support/run-cli.js';
import { tempDir } from '../support/temp-policy.js';

function writeConfig(dir: string, config: Record<string, unknown>): string {
  const file = path.join(dir, 'taskguard.yaml');
  writeFileSync(file, stringify({ state_dir: 'state', ...config }));
  return file;
}

async function writeChain(open: () => Promise<AuditTable>, chain: string, count: number): Promise<void> {
  const table = await open();
  try {
    const log = await openDbAuditLog({ table, chain });
    for (let i = 1; i <= count; i++) log.append(decision(i));
    await log.close();
  } finally {
    await table.close();
  }
}

/** Runs `fn` with TASKGUARD_CONFIG set to `value` (unset for undefined), restoring what was there. */
async function withConfigEnv<T>(value: string | undefined, fn: () => Promise<T>): Promise<T> {
  const saved = process.env['TASKGUARD_CONFIG'];
  if (value === undefined) delete process.env['TASKGUARD_CONFIG'];
  else process.env['TASKGUARD_CONFIG'] = value;
  try {
    return await fn();
  } finally {
    if (saved === undefined) delete process.env['TASKGUARD_CONFIG'];
    else process.env['TASKGUARD_CONFIG'] = saved;
  }
}

describe('audit verify of a host config\'s log', () => {
  it('a file audit: verifies the configured file, names it on stderr, and takes --head', async () => {
    const dir = tempDir('taskguard-audit-config-');
    const config = writeConfig(dir, { audit: { file: 'trail.jsonl' } });
    const log = await writeLog(4, { file: path.join(dir, 'state', 'trail.jsonl') });
    const r = await run('audit', 'verify', '--config', config);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^ok: 4 records, last seq 4, last hash [0-9a-f]{64}$/);
    assert.equal(r.err, `config ${config}: audit log ${log}`);
    assert.equal((await run('audit', 'verify', '--config', config, '--head', 'none')).code, 0);
    const chain = await run('audit', 'verify', '--config', config, '--chain', 'x');
    assert.equal(chain.code, 2);
    assert.match(chain.err, /--chain is for a database, and config \S+ writes the audit file \S+trail\.jsonl/);
  });

  it('a database audit: verifies this host\'s chain (or --chain) in the store\'s sqlite file', async () => {
    const dir = tempDir('taskguard-audit-config-');
    const config = writeConfig(dir, { store: { kind: 'sqlite' }, audit: { kind: 'database', chain: 'host-a' } });
    const dbFile = path.join(dir, 'state', 'tasks.db');
    await writeChain(() => openSqliteAuditTable(dbFile), 'host-a', 3);
    await writeChain(() => openSqliteAuditTable(dbFile), 'host-b', 2);

    const own = await run('audit', 'verify', '--config', config);
    assert.equal(own.code, 0, own.err);
    assert.match(own.out, /^ok chain host-a: 3 records, last seq 3, last hash [0-9a-f]{64}$/);
    assert.equal(own.err, `config ${config}: audit chain host-a in audit database ${dbFile}`);
    const other = await run('audit', 'verify', '--config', config, '--chain', 'host-b');
    assert.match(other.out, /^ok chain host-b: 2 records/);
    for (const [argv, pattern] of [
      [['--head', 'none'], /--head is for a log file/],
      [['--schema', 's'], /--schema comes from the config/],
    ] as const) {
      const r = await run('audit', 'verify', '--config', config, ...argv);
      assert.equal(r.code, 2, argv.join(' '));
      assert.match(r.err, pattern);
    }
  });

  it('a postgres store whose url_env is not set: exit 1, naming the variable', async () => {
    const config = writeConfig(tempDir('taskguard-audit-config-'), {
      store: { kind: 'postgres', url_env: 'TASKGUARD_TEST_NEVER_SET_URL' }, audit: { kind: 'database', chain: 'h' },
    });
    const r = await withConfigEnv(undefined, () => run('audit', 'verify', '--config', config));
    assert.equal(r.code, 1);
    assert.match(r.err, /store\.kind postgres reads its connection string from TASKGUARD_TEST_NEVER_SET_URL, which is not set \[config_invalid\]$/);
  });

  it('TASKGUARD_CONFIG stands in for --config; a FILE, --sqlite or --postgres named outright wins over it', async () => {
    const dir = tempDir('taskguard-audit-config-');
    const config = writeConfig(dir, {});
    await writeLog(2, { file: path.join(dir, 'state', 'audit.jsonl') });
    const elsewhere = await writeLog(5);
    await withConfigEnv(config, async () => {
      const viaEnv = await run('audit', 'verify');
      assert.equal(viaEnv.code, 0, viaEnv.err);
      assert.match(viaEnv.out, /^ok: 2 records/);
      assert.match(viaEnv.err, /\(from TASKGUARD_CONFIG\): audit log /);
      const named = await run('audit', 'verify', elsewhere);
      assert.deepEqual([named.code, named.err], [0, '']);
      assert.match(named.out, /^ok: 5 records/);
    });
  });

  it('--config with a FILE, --sqlite or --postgres is a usage error; with nothing to verify, says what to name', async () => {
    const config = writeConfig(tempDir('taskguard-audit-config-'), {});
    for (const extra of [['x.jsonl'], ['--sqlite', 'x.db'], ['--postgres']]) {
      const r = await run('audit', 'verify', '--config', config, ...extra);
      assert.equal(r.code, 2, extra.join(' '));
      assert.match(r.err, /--config names the log itself: it cannot go with FILE, --sqlite or --postgres/);
    }
    const bare = await withConfigEnv(undefined, () => run('audit', 'verify'));
    assert.equal(bare.code, 2);
    assert.match(bare.err, /name the log: a FILE, --sqlite, --postgres or a host config \(--config FILE or TASKGUARD_CONFIG\)/);
  });
});

const postgresSuite = SKIP_POSTGRES ? { skip: 'TASKGUARD_SKIP_POSTGRES=1: the PostgreSQL case is skipped' } : {};

describe('audit verify of a host config\'s log in postgresql', postgresSuite, () => {
  it('verifies this host\'s chain in the configured schema, reading the url from the configured variable', async () => {
    // Missing configuration fails: a silently skipped test would pass without ever touching PostgreSQL.
    assert.notEqual(TEST_URL, '', 'TASKGUARD_TEST_POSTGRES_URL is not set: see scripts/postgres-test.sh, or set TASKGUARD_SKIP_POSTGRES=1');
    const schema = tempSchema();
    try {
      await writeChain(() => openPostgresAuditTable({ connectionString: TEST_URL, schema }), 'host-a', 4);
      const config = writeConfig(tempDir('taskguard-audit-config-'), {
        store: { kind: 'postgres', url_env: 'TASKGUARD_TEST_POSTGRES_URL', schema }, audit: { kind: 'database', chain: 'host-a' },
      });
      const r = await run('audit', 'verify', '--config', config);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /^ok chain host-a: 4 records, last seq 4, last hash [0-9a-f]{64}$/);
      assert.equal(r.err, `config ${config}: audit chain host-a in postgres schema ${schema}`);
      assert.equal(r.err.includes(TEST_URL), false, 'the connection string is never printed');
    } finally {
      await dropSchema(schema);
    }
  });
});
