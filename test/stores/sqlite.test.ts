import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { SqliteTaskStore } from '../../src/stores/sqlite.js';
import { SQL } from '../../src/stores/sqlite-sql.js';
import { alice, bob, completed, record } from './contract-support.js';
import { describeTaskStoreContract } from './contract.js';
import { describeLeasedTaskStoreContract } from './leased-contract.js';
import { queryPlan, tempDatabase, tempPair, tempStore } from './sqlite-support.js';

describeTaskStoreContract('SqliteTaskStore', () => tempStore());
describeLeasedTaskStoreContract('SqliteTaskStore', () => tempPair());

const LIVE = ['working', 'input_required'] as const;

describe('SqliteTaskStore: the file', () => {
  it('creates a private folder and file, in WAL mode with NORMAL sync, and records schema version 1', async () => {
    const handle = await tempStore();
    try {
      assert.equal(statSync(handle.file).mode & 0o777, 0o600);
      assert.equal(statSync(`${handle.file}-wal`).mode & 0o777, 0o600);
      assert.equal(statSync(dirname(handle.file)).mode & 0o777, 0o700);
      const raw = new Database(handle.file, { readonly: true });
      try {
        assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
        assert.deepEqual(raw.prepare('SELECT version FROM schema_version').all(), [{ version: 1 }]);
      } finally {
        raw.close();
      }
    } finally {
      await handle.close();
    }
  });

  it('migrates once however often it is opened, and refuses a file from a newer schema', async () => {
    const db = tempDatabase();
    try {
      for (let i = 0; i < 3; i++) await (await SqliteTaskStore.open(db.file)).close();
      const raw = new Database(db.file);
      try {
        assert.deepEqual(raw.prepare('SELECT version FROM schema_version').all(), [{ version: 1 }]);
        raw.prepare('INSERT INTO schema_version (version, applied_ms) VALUES (2, 0)').run();
      } finally {
        raw.close();
      }
      await assert.rejects(SqliteTaskStore.open(db.file), /schema version 2, newer than this taskguard's 1/);
    } finally {
      db.remove();
    }
  });

  it('plans list, counts, sweeps, recovery and key look-ups on indexes, never a table scan', async () => {
    const handle = await tempStore();
    try {
      for (const [name, index] of [
        ['listByOwner', 'tasks_by_owner'], ['listByTenant', 'tasks_by_tenant'], ['countLive', 'tasks_live_by_owner'],
        ['expired', 'tasks_by_expiry'], ['renew', 'tasks_live_by_instance'], ['recover', 'tasks_live_by_lease'], ['get', ''],
        ['byIdempotencyKey', 'tasks_by_idempotency_key'], ['getWithoutOutcome', ''],
      ] as const) {
        const plan = queryPlan(handle.file, SQL[name]);
        assert.match(plan, /USING (COVERING )?INDEX/, `${name}: ${plan}`);
        assert.ok(plan.includes(index), `${name} uses ${index}: ${plan}`);
        assert.doesNotMatch(plan, /SCAN tasks/, `${name}: ${plan}`);
        // The sweep and the live-task cap need nothing beyond the index: no table row is read.
        if (name === 'expired' || name === 'countLive') assert.match(plan, /COVERING INDEX/, `${name} answered from the index alone: ${plan}`);
      }
    } finally {
      await handle.close();
    }
  });

  it('refuses binding fields that SQLite could not store exactly, and repairs only display text', async () => {
    const handle = await tempStore();
    try {
      const { store } = handle;
      // Read back, "x\uD800" would become "x\uFFFD\uFFFD\uFFFD": another principal's name.
      await assert.rejects(store.create(record('t', { ...alice, sub: 'x\uD800' })), /owner sub is not well-formed/);
      await assert.rejects(store.create(record('t', { ...alice, tenant: '\uDC00' })), /owner tenant/);
      await assert.rejects(store.create(record('t', alice, 1000, { scopes: ['a\uD83D'] })), /scope/);
      assert.equal(await store.get('t'), undefined);
      await store.create(record('t'));
      // An emoji cut in half by a length limit stays readable instead of failing the status update.
      const cut = await store.transition('t', LIVE, { statusMessage: 'progress \uD83D' }, 1100);
      assert.equal(cut?.statusMessage, 'progress \uFFFD');
      const lone = { kind: 'result' as const, result: { text: 'lone \uD83D surrogate' } };
      const done = await store.transition('t', LIVE, { status: 'completed', outcome: lone }, 1200);
      assert.deepEqual(done?.outcome, lone, 'outcomes are JSON-escaped, so even this round-trips');
    } finally {
      await handle.close();
    }
  });

  it('works the same with synchronous = FULL', async () => {
    const handle = await tempStore({ synchronous: 'FULL', busyTimeoutMs: 100 });
    try {
      await handle.store.create(completed('t'));
      const reads = await Promise.all([1, 2, 3].map((n) => handle.store.recordResultRead('t', true)));
      assert.equal(reads.filter(Boolean).length, 1);
      assert.equal((await handle.store.get('t'))?.outcome, undefined);
    } finally {
      await handle.close();
    }
  });

  it('fails closed on a row it cannot read', async () => {
    const handle = await tempStore();
    try {
      await handle.store.create(completed('t'));
      const raw = new Database(handle.file);
      raw.prepare(`UPDATE tasks SET outcome = '{"kind":"nonsense"}' WHERE id = 't'`).run();
      raw.close();
      await assert.rejects(handle.store.get('t'), /malformed outcome/);
    } finally {
      await handle.close();
    }
  });
});

describe('SqliteTaskStore: restarts and several handles', () => {
  it('keeps everything across a reopen: results survive, bound to their owner', async () => {
    const db = tempDatabase();
    try {
      const first = await SqliteTaskStore.open(db.file);
      const working = record('working', alice, 1000, { expiresMs: 60_000 });
      const done = completed('done', alice, { content: [{ type: 'text', text: 'the report' }] });
      const once = completed('once', bob, { content: [{ type: 'text', text: 'read me once' }] });
      for (const r of [working, { ...done, expiresMs: 60_000 }, { ...once, expiresMs: 60_000 }]) await first.create(r);
      await first.recordResultRead('once', true);
      await first.close();

      const second = await SqliteTaskStore.open(db.file);
      try {
        assert.deepEqual(await second.get('working'), working);
        assert.deepEqual((await second.recordResultRead('done', false))?.outcome, done.outcome);
        assert.deepEqual((await second.get('done'))?.owner, alice);
        assert.deepEqual((await second.list({ kind: 'owner', owner: alice }, 2000, undefined, 10)).records.map((r) => r.id), ['done', 'working']);
        assert.deepEqual((await second.list({ kind: 'owner', owner: bob }, 2000, undefined, 10)).records.map((r) => r.id), ['once']);
        const revoked = await second.get('once');
        assert.equal(revoked?.revoked, true);
        assert.equal(revoked?.outcome, undefined, 'a read-once payload stays dropped');
        assert.equal(await second.recordResultRead('once', true), undefined);
        assert.equal(await second.countLive(alice, 2000), 1);
      } finally {
        await second.close();
      }
    } finally {
      db.remove();
    }
  });

  it('shares one file between two handles: one writes, the other reads and compare-and-sets', async () => {
    const { a: writer, b: other, close } = await tempPair();
    try {
      const created = Promise.all(Array.from({ length: 50 }, (_, i) => writer.create(record(`t${i}`, alice, 1000 + i, { expiresMs: 60_000 }))));
      await created;
      assert.equal((await other.list({ kind: 'owner', owner: alice }, 2000, undefined, 100)).records.length, 50);
      const races = await Promise.all(Array.from({ length: 50 }, async (_, i) => {
        const [byWriter, byOther] = await Promise.all([
          writer.transition(`t${i}`, LIVE, { status: 'completed', outcome: { kind: 'result', result: { i } } }, 3000),
          other.transition(`t${i}`, LIVE, { status: 'cancelled' }, 3000),
        ]);
        return [byWriter, byOther].filter(Boolean).length;
      }));
      assert.ok(races.every((n) => n === 1));
      for (let i = 0; i < 50; i++) assert.deepEqual(await other.get(`t${i}`), await writer.get(`t${i}`));
      assert.equal(await other.countLive(alice, 3000), 0);
      assert.equal(await writer.delete('t0'), true);
      assert.equal(await other.get('t0'), undefined);
    } finally {
      await close();
    }
  });

  it('holds compare-and-set and single reads between two processes racing on one file', async () => {
    const handle = await tempStore();
    try {
      const count = 150;
      for (let i = 0; i < count; i++) {
        await handle.store.create(record(`race-${i}`, alice, i, { expiresMs: Number.MAX_SAFE_INTEGER }));
        await handle.store.create(record(`once-${i}`, bob, i, { expiresMs: Number.MAX_SAFE_INTEGER, status: 'completed', outcome: { kind: 'result', result: { secret: i } } }));
      }
      const racer = join(dirname(fileURLToPath(import.meta.url)), 'sqlite-racer.ts');
      const startAt = String(Date.now() + 2500);
      const run = (role: string) => promisify(execFile)(process.execPath, ['--import', 'tsx', racer, handle.file, role, String(count), startAt], { encoding: 'utf8' });
      const outputs = await Promise.all([run('cancel'), run('complete')]);
      const [cancel, complete] = outputs.map((o) => JSON.parse(o.stdout) as { cas: string[]; reads: string[] });
      assert.ok(cancel && complete);
      assert.equal(cancel.cas.length + complete.cas.length, count, 'every task settled exactly once');
      assert.equal(new Set([...cancel.cas, ...complete.cas]).size, count);
      assert.equal(cancel.reads.length + complete.reads.length, count, 'every single read taken exactly once');
      assert.equal(new Set([...cancel.reads, ...complete.reads]).size, count);
      for (const id of cancel.cas) assert.equal((await handle.store.get(id))?.status, 'cancelled');
      for (const id of complete.cas) assert.equal((await handle.store.get(id))?.status, 'completed');
      // Both sides won some of each, or this was no race at all (reported, not failed: scheduling varies).
      if (cancel.cas.length === 0 || complete.cas.length === 0) console.log(`# one racer won every CAS: ${cancel.cas.length}/${complete.cas.length}`);
    } finally {
      await handle.close();
    }
  });
});
