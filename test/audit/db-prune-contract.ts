import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pruneAuditChain } from '../../src/audit/db-prune.js';
import { hashRecord, type AuditRecord } from '../../src/audit/record.js';
import { isTaskguardError } from '../../src/errors.js';
import { openLog, verify, withDb, writeChain, type DbBackend, type DbFixture } from './db-contract.js';
import { decision, lifecycle, manualClock } from './helpers.js';

const refused = (pattern: RegExp) => (err: unknown) => isTaskguardError(err) && err.code === 'audit_invalid' && pattern.test(err.message);

async function prune(db: DbFixture, chain: string, retention: Parameters<typeof pruneAuditChain>[2], now?: number) {
  const table = await db.open();
  const info: string[] = [];
  try {
    const result = await pruneAuditChain(table, chain, retention, { ...(now === undefined ? {} : { now }), onInfo: (l) => void info.push(l) });
    return { ...result, info };
  } finally {
    await table.close();
  }
}

/** 20 records one second apart on a pinned clock; returns them and the clock. */
async function timedChain(db: DbFixture, chain: string) {
  const clock = manualClock();
  const log = await openLog(db, chain, { clock: clock.now });
  const records: AuditRecord[] = [];
  for (let i = 1; i <= 20; i++) {
    records.push(log.append(i % 2 === 0 ? lifecycle(i) : decision(i)));
    clock.advance(1000);
  }
  await log.close();
  return { records, clock };
}

const HASH_E = 'e'.repeat(64);

/** Pruning cases every AuditTable must pass, SQLite and PostgreSQL alike. */
export function dbPruneContract(backend: DbBackend): void {
  describe(`${backend.name}: pruning an audit chain`, () => {
    it('beyond a count: deletes the oldest rows, keeps the checkpoint, says so, and what remains verifies', withDb(backend, async (db) => {
      const records = await writeChain(db, 'host-a', 20);
      const r = await prune(db, 'host-a', { maxRecords: 5 });
      assert.deepEqual([r.pruned, r.throughSeq], [15, 15]);
      assert.deepEqual(r.info, ['audit chain host-a: pruned 15 records through seq 15 (beyond the 5 newest records)']);
      assert.equal(await db.tamper.count('host-a'), 5);
      const table = await db.open();
      assert.deepEqual(await table.readCheckpoint('host-a'), { seq: 15, hash: records[14]?.hash });
      await table.close();
      const v = await verify(db, 'host-a');
      assert.deepEqual([v.ok, v.records, v.lastSeq, v.lastHash], [true, 5, 20, records[19]?.hash]);
      assert.deepEqual((await prune(db, 'host-a', { maxRecords: 5 })).pruned, 0, 'a second pass finds nothing');
    }));

    it('older than an age, by each record\'s own time', withDb(backend, async (db) => {
      const { clock } = await timedChain(db, 'host-a');
      // The clock now reads t0 + 20 s: records 1..12 (t0 .. t0 + 11 s) are 9 s old or more.
      const r = await prune(db, 'host-a', { maxAgeMs: 9000 }, clock.now());
      assert.deepEqual([r.pruned, r.info], [12, ['audit chain host-a: pruned 12 records through seq 12 (older than 9000 ms)']]);
      assert.deepEqual([(await verify(db, 'host-a')).ok, await db.tamper.count('host-a')], [true, 8]);
    }));

    it('a restart continues a pruned chain, and pruning again moves the checkpoint on', withDb(backend, async (db) => {
      await writeChain(db, 'host-a', 10);
      await prune(db, 'host-a', { maxRecords: 4 });
      const log = await openLog(db, 'host-a');
      assert.equal(log.head.seq, 10);
      await log.close();
      await writeChain(db, 'host-a', 10, 11);
      assert.equal((await prune(db, 'host-a', { maxRecords: 4 })).throughSeq, 16);
      const v = await verify(db, 'host-a');
      assert.deepEqual([v.ok, v.records, v.lastSeq], [true, 4, 20]);
    }));

    it('every row may go: the checkpoint then meets the head, and the chain still verifies and continues', withDb(backend, async (db) => {
      const { clock, records } = await timedChain(db, 'host-a');
      assert.equal((await prune(db, 'host-a', { maxAgeMs: 1 }, clock.now())).pruned, 20);
      const v = await verify(db, 'host-a');
      assert.deepEqual([v.ok, v.records, v.lastSeq, v.lastHash], [true, 0, 20, records[19]?.hash]);
      const log = await openLog(db, 'host-a');
      assert.equal(log.append(decision(21)).prev_hash, records[19]?.hash);
      await log.close();
      assert.equal((await verify(db, 'host-a')).records, 1);
    }));

    it('openDbAuditLog prunes when it opens and every pruneEvery records, reporting through onInfo', withDb(backend, async (db) => {
      await writeChain(db, 'host-a', 30);
      const info: string[] = [];
      const log = await openLog(db, 'host-a', { retain: { maxRecords: 10 }, pruneEvery: 5, onInfo: (l) => void info.push(l) });
      assert.deepEqual(info, ['audit chain host-a: pruned 20 records through seq 20 (beyond the 10 newest records)']);
      for (let i = 31; i <= 42; i++) {
        log.append(decision(i));
        await log.flush();
      }
      await log.close();
      // Passes ran after seq 35 and 40 (keeping 26..35, then 31..40); 41 and 42 came after the last one.
      assert.deepEqual(info.slice(1), [
        'audit chain host-a: pruned 5 records through seq 25 (beyond the 10 newest records)',
        'audit chain host-a: pruned 5 records through seq 30 (beyond the 10 newest records)',
      ]);
      assert.equal(await db.tamper.count('host-a'), 12);
      const v = await verify(db, 'host-a');
      assert.deepEqual([v.ok, v.records, v.lastSeq], [true, 12, 42]);
    }));

    it('the checkpoint moves with its delete or not at all: a pruner that lost the race changes nothing', withDb(backend, async (db) => {
      const records = await writeChain(db, 'host-a', 10);
      await prune(db, 'host-a', { maxRecords: 6 });
      const table = await db.open();
      try {
        await assert.rejects(table.prune('host-a', 0, 8, records[7]?.hash ?? ''), /the checkpoint is no longer at seq 0: another process pruned this chain/);
        await assert.rejects(table.prune('host-a', 3, 8, records[7]?.hash ?? ''), /no longer at seq 3/);
      } finally {
        await table.close();
      }
      assert.equal(await db.tamper.count('host-a'), 6);
      assert.equal((await verify(db, 'host-a')).ok, true);
    }));

    const tampers: { name: string; change: (db: DbFixture, records: AuditRecord[]) => Promise<void>; expect: [number, number | undefined, string]; detail: RegExp }[] = [
      {
        name: 'the checkpoint\'s hash changed',
        change: (db) => db.tamper.setCheckpoint('host-a', 15, HASH_E),
        expect: [16, 16, 'checkpoint_mismatch'], detail: /^prev_hash of the first record differs from the checkpoint's hash of seq 15/,
      },
      {
        name: 'the checkpoint moved forward to hide rows',
        change: (db, records) => db.tamper.setCheckpoint('host-a', 17, records[16]?.hash ?? ''),
        expect: [16, 16, 'checkpoint_mismatch'], detail: /^seq 16 is at or before the checkpoint \(seq 17\)/,
      },
      {
        name: 'the checkpoint moved back',
        change: (db, records) => db.tamper.setCheckpoint('host-a', 10, records[9]?.hash ?? ''),
        expect: [16, 16, 'removed'], detail: /^seq jumps from 10 to 16: 5 records missing after the checkpoint$/,
      },
      {
        name: 'rows right after the checkpoint deleted',
        change: (db) => db.tamper.deleteRows('host-a', 16, 17),
        expect: [18, 18, 'removed'], detail: /^seq jumps from 15 to 18: 2 records missing after the checkpoint$/,
      },
      {
        name: 'the checkpoint deleted',
        change: (db) => db.tamper.deleteCheckpoint('host-a'),
        expect: [16, 16, 'removed'], detail: /^seq jumps from 0 to 16: 15 records missing$/,
      },
      {
        name: 'the checkpoint holding no valid hash',
        change: (db) => db.tamper.setCheckpoint('host-a', 15, 'nope'),
        expect: [0, undefined, 'checkpoint_mismatch'], detail: /^checkpoint row lacks a valid seq and hash$/,
      },
    ];
    for (const c of tampers) {
      it(`after pruning, ${c.name}: ${c.expect[2]}; openDbAuditLog refuses to continue it`, withDb(backend, async (db) => {
        const records = await writeChain(db, 'host-a', 20);
        await prune(db, 'host-a', { maxRecords: 5 });
        await c.change(db, records);
        const v = await verify(db, 'host-a');
        assert.deepEqual([v.ok, v.problem?.line, v.problem?.seq, v.problem?.kind], [false, ...c.expect], v.problem?.detail);
        assert.match(v.problem?.detail ?? '', c.detail);
        await assert.rejects(openLog(db, 'host-a'), refused(/^audit chain host-a does not verify, pos \d+.*; refusing to continue it$/));
      }));
    }

    it('all rows and the head row deleted, the checkpoint left: head_mismatch', withDb(backend, async (db) => {
      await writeChain(db, 'host-a', 10);
      await prune(db, 'host-a', { maxRecords: 2 });
      await db.tamper.deleteRows('host-a', 1, 10);
      await db.tamper.deleteHead('host-a');
      const v = await verify(db, 'host-a');
      assert.deepEqual([v.ok, v.problem?.kind, v.problem?.detail], [false, 'head_mismatch', 'chain has a checkpoint but no head row: the head row was deleted']);
    }));

    it('refuses to prune across a broken chain, deleting nothing', withDb(backend, async (db) => {
      const records = await writeChain(db, 'host-a', 20);
      await db.tamper.setLine('host-a', 6, JSON.stringify({ ...records[5], tool: 'innocent', hash: hashRecord({ ...records[5], tool: 'innocent' }) }));
      await assert.rejects(prune(db, 'host-a', { maxRecords: 5 }), refused(/^audit chain host-a does not verify where it would be pruned: pos 6 \(seq 6\): edited: .*; pruning nothing more$/));
      assert.equal(await db.tamper.count('host-a'), 20);
      await db.tamper.setLine('host-a', 6, JSON.stringify(records[5]));
      await db.tamper.deleteRows('host-a', 16, 16);
      await assert.rejects(prune(db, 'host-a', { maxRecords: 5 }), refused(/pos 17 does not follow pos 15/));
      assert.equal(await db.tamper.count('host-a'), 19);
    }));

    it('audit verify says how far a chain was pruned', withDb(backend, async (db) => {
      const records = await writeChain(db, 'host-a', 8);
      await prune(db, 'host-a', { maxRecords: 3 });
      const r = await db.cli();
      assert.deepEqual([r.code, r.out], [0, `ok chain host-a: 3 records, last seq 8, last hash ${records[7]?.hash}, pruned through seq 5`]);
    }));
  });
}
