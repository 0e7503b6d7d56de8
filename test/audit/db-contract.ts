import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openDbAuditLog, type OpenDbAuditLogOptions } from '../../src/audit/db-open.js';
import type { AuditTable } from '../../src/audit/db-table.js';
import { verifyAuditChain } from '../../src/audit/db-verify.js';
import type { AuditLog } from '../../src/audit/log.js';
import { hashRecord, recordLine, type AuditRecord } from '../../src/audit/record.js';
import { isTaskguardError, type TaskguardError } from '../../src/errors.js';
import { decision, lifecycle } from './helpers.js';

/** Raw access to the audit tables, for tests that play the attacker. */
export interface Tamper {
  line(chain: string, pos: number): Promise<string>;
  setLine(chain: string, pos: number, line: string): Promise<void>;
  setPos(chain: string, from: number, to: number): Promise<void>;
  deleteRows(chain: string, fromPos: number, toPos: number): Promise<void>;
  setHead(chain: string, seq: number, hash: string): Promise<void>;
  deleteHead(chain: string): Promise<void>;
  setCheckpoint(chain: string, seq: number, hash: string): Promise<void>;
  deleteCheckpoint(chain: string): Promise<void>;
  count(chain: string): Promise<number>;
  hasTables(): Promise<boolean>;
}

/** One empty database (a SQLite file, a PostgreSQL schema) for one test. */
export interface DbFixture {
  open(): Promise<AuditTable>;
  tamper: Tamper;
  /** Runs `taskguard audit verify` against this database, with `args` after the database options. */
  cli(...args: string[]): Promise<{ code: number; out: string; err: string }>;
  cleanup(): Promise<void>;
}

export interface DbBackend {
  name: string;
  fresh(): Promise<DbFixture>;
}

type Json = Record<string, unknown>;

const refused = (pattern: RegExp) => (err: unknown) => isTaskguardError(err) && err.code === 'audit_invalid' && pattern.test(err.message);

export async function openLog(db: DbFixture, chain: string, extra: Partial<OpenDbAuditLogOptions> = {}): Promise<AuditLog> {
  return openDbAuditLog({ table: await db.open(), chain, ...extra });
}

/** Appends `count` records (decisions and lifecycle transitions, alternating) from seq `from`, and closes. */
export async function writeChain(db: DbFixture, chain: string, count: number, from = 1): Promise<AuditRecord[]> {
  const log = await openLog(db, chain);
  const records: AuditRecord[] = [];
  for (let i = from; i < from + count; i++) records.push(log.append(i % 2 === 0 ? lifecycle(i) : decision(i)));
  await log.close();
  return records;
}

export async function verify(db: DbFixture, chain: string) {
  const table = await db.open();
  try {
    return await verifyAuditChain(table, chain);
  } finally {
    await table.close();
  }
}

function edit(line: string, change: (r: Json) => void, rehash = false): string {
  const r = JSON.parse(line) as Json;
  change(r);
  if (rehash) r['hash'] = hashRecord(r);
  return JSON.stringify(r);
}

/** Runs `fn` on a fresh database and removes it afterwards, pass or fail. */
export function withDb(backend: DbBackend, fn: (db: DbFixture) => Promise<void>): () => Promise<void> {
  return async () => {
    const db = await backend.fresh();
    try {
      await fn(db);
    } finally {
      await db.cleanup();
    }
  };
}

interface TamperCase {
  name: string;
  change: (t: Tamper, chain: string) => Promise<void>;
  /** [pos, seq, kind] as verify reports it. */
  expect: [number, number | undefined, string];
  detail?: RegExp;
}

const HASH_Z = 'f'.repeat(64);

const TAMPER_CASES: TamperCase[] = [
  {
    name: 'an edited line: edited, at its pos',
    change: async (t, c) => t.setLine(c, 5, edit(await t.line(c, 5), (r) => { r['tool'] = 'innocent'; })),
    expect: [5, 5, 'edited'], detail: /hash does not match/,
  },
  {
    name: 'an edited and rehashed line: edited, caught by the next row\'s prev_hash',
    change: async (t, c) => t.setLine(c, 5, edit(await t.line(c, 5), (r) => { r['allow'] = !r['allow']; }, true)),
    expect: [5, 5, 'edited'], detail: /prev_hash of the next record \(pos 6\)/,
  },
  {
    name: 'a deleted middle row: removed, at the pos after the gap',
    change: (t, c) => t.deleteRows(c, 5, 5),
    expect: [6, 6, 'removed'], detail: /^seq jumps from 4 to 6: 1 record missing$/,
  },
  {
    name: 'two rows whose pos were swapped: reordered',
    change: async (t, c) => { await t.setPos(c, 5, 1000); await t.setPos(c, 6, 5); await t.setPos(c, 1000, 6); },
    expect: [5, 6, 'reordered'], detail: /^seq 6 comes before seq 5 \(pos 6\)$/,
  },
  {
    name: 'the last rows deleted: truncated, caught by the head row',
    change: (t, c) => t.deleteRows(c, 9, 10),
    expect: [9, 9, 'truncated'], detail: /^log ends at seq 8 but its head is seq 10: 2 records cut from the end$/,
  },
  {
    name: 'the last rows deleted and the head row moved back without its hash: head_mismatch',
    change: async (t, c) => { await t.deleteRows(c, 9, 10); await t.setHead(c, 8, HASH_Z); },
    expect: [8, 8, 'head_mismatch'],
  },
  {
    name: 'the head row\'s hash changed: head_mismatch at the head\'s pos',
    change: (t, c) => t.setHead(c, 10, HASH_Z),
    expect: [10, 10, 'head_mismatch'], detail: /differs from the head's/,
  },
  {
    name: 'the head row deleted: head_mismatch at pos 0',
    change: (t, c) => t.deleteHead(c),
    expect: [0, undefined, 'head_mismatch'], detail: /no head row/,
  },
  {
    name: 'the head row holding no valid hash: head_mismatch at pos 0',
    change: (t, c) => t.setHead(c, 10, 'not-a-hash'),
    expect: [0, undefined, 'head_mismatch'], detail: /lacks a valid seq and hash/,
  },
  {
    name: 'a row moved to a later pos, the chain intact: reordered',
    change: (t, c) => t.setPos(c, 10, 12),
    expect: [12, 10, 'reordered'], detail: /^seq 10 sits at pos 12: positions were renumbered$/,
  },
];

/** The cases every AuditTable must pass, SQLite and PostgreSQL alike. */
export function dbAuditContract(backend: DbBackend): void {
  describe(`${backend.name}: the audit log in a database`, () => {
    it('stores each record as its exact JSONL line at pos = seq, and the chain verifies', withDb(backend, async (db) => {
      const records = await writeChain(db, 'host-a', 5);
      // Text that array literals, JSON and collations each treat specially, kept byte for byte.
      const log = await openLog(db, 'host-a');
      records.push(log.append(decision(6, { tool: 'we\\ird "quoted" {a,b} ✓ 😀 \u0001 NULL', reasons: ['', ' '] })));
      await log.close();
      for (const r of records) assert.equal(await db.tamper.line('host-a', r.seq), recordLine(r));
      const last = records.at(-1) as AuditRecord;
      assert.deepEqual(await verify(db, 'host-a'), { ok: true, records: 6, lastSeq: 6, lastHash: last.hash, headChecked: true });
    }));

    it('a restart continues the chain: seq + 1, prev_hash = the last hash, and it all verifies', withDb(backend, async (db) => {
      const first = await writeChain(db, 'host-a', 3);
      const log = await openLog(db, 'host-a');
      assert.deepEqual(log.head, { seq: 3, hash: (first.at(-1) as AuditRecord).hash });
      const next = log.append(decision(4));
      assert.deepEqual([next.seq, next.prev_hash], [4, (first.at(-1) as AuditRecord).hash]);
      await log.close();
      await writeChain(db, 'host-a', 2, 5);
      const r = await verify(db, 'host-a');
      assert.deepEqual([r.ok, r.records, r.lastSeq], [true, 6, 6]);
    }));

    it('whenDurable resolves once the record is committed: another connection sees it', withDb(backend, async (db) => {
      const log = await openLog(db, 'host-a');
      const record = log.append(decision(1));
      await log.whenDurable(record.seq);
      assert.equal(await db.tamper.line('host-a', 1), recordLine(record));
      await log.close();
    }));

    for (const c of TAMPER_CASES) {
      it(`${c.name}; openDbAuditLog refuses to continue it`, withDb(backend, async (db) => {
        await writeChain(db, 'host-a', 10);
        await c.change(db.tamper, 'host-a');
        const r = await verify(db, 'host-a');
        assert.equal(r.ok, false);
        assert.deepEqual([r.problem?.line, r.problem?.seq, r.problem?.kind], c.expect, r.problem?.detail);
        if (c.detail) assert.match(r.problem?.detail ?? '', c.detail);
        const rows = await db.tamper.count('host-a');
        const [pos, seq, kind] = c.expect;
        const where = `pos ${pos}${seq === undefined ? '' : ` \\(seq ${seq}\\)`}: ${kind}: `;
        await assert.rejects(openLog(db, 'host-a'), refused(new RegExp(`^audit chain host-a does not verify, ${where}.*; refusing to continue it$`)));
        assert.equal(await db.tamper.count('host-a'), rows, 'a refused chain is left as it was');
      }));
    }

    it('two chains in one database are independent', withDb(backend, async (db) => {
      await writeChain(db, 'host-a', 3);
      await writeChain(db, 'host-b', 5);
      await writeChain(db, 'host-a', 2, 4);
      const table = await db.open();
      assert.deepEqual(await table.chains(), ['host-a', 'host-b']);
      await table.close();
      assert.deepEqual([(await verify(db, 'host-a')).records, (await verify(db, 'host-b')).records], [5, 5]);
      await db.tamper.deleteRows('host-a', 2, 2);
      assert.equal((await verify(db, 'host-a')).problem?.kind, 'removed');
      assert.equal((await verify(db, 'host-b')).ok, true, 'tampering with one chain leaves the other verifying');
      assert.equal((await openLog(db, 'host-b')).head.seq, 5);
    }));

    it('a second writer on the same chain fails closed at its first commit; nothing half-written', withDb(backend, async (db) => {
      await writeChain(db, 'host-a', 2);
      const errors: TaskguardError[] = [];
      const first = await openLog(db, 'host-a');
      const second = await openLog(db, 'host-a', { onError: (e) => void errors.push(e) });
      first.append(decision(3));
      first.append(decision(4));
      await first.flush();
      second.append(decision(3));
      second.append(decision(4));
      second.append(decision(5));
      await assert.rejects(second.flush(), (err: unknown) => isTaskguardError(err) && err.code === 'audit_io' && /already taken: another writer/.test(err.message));
      assert.throws(() => second.append(decision(6)), (err: unknown) => isTaskguardError(err) && err.code === 'audit_io' && /audit log unavailable/.test(err.message));
      assert.equal(errors.length, 1, 'the failure is reported once, without waiting for an append');
      await second.close();
      first.append(decision(5));
      await first.close();
      const r = await verify(db, 'host-a');
      assert.deepEqual([r.ok, r.records, r.lastSeq], [true, 5, 5]);
      assert.equal(await db.tamper.count('host-a'), 5);
    }));

    it('two writers starting a new chain at once: one wins, the other fails closed', withDb(backend, async (db) => {
      const a = await openLog(db, 'host-a', { onError: () => {} });
      const b = await openLog(db, 'host-a', { onError: () => {} });
      a.append(decision(1));
      b.append(decision(1));
      const outcomes = await Promise.allSettled([a.flush(), b.flush()]);
      assert.deepEqual(outcomes.map((o) => o.status).sort(), ['fulfilled', 'rejected']);
      await Promise.allSettled([a.close(), b.close()]);
      const r = await verify(db, 'host-a');
      assert.deepEqual([r.ok, r.records], [true, 1]);
    }));

    it('records appended together commit together: 1000 appends, one transaction, all there', withDb(backend, async (db) => {
      const table = await db.open();
      let batches = 0;
      const counting: typeof table = {
        readHead: (c) => table.readHead(c),
        readCheckpoint: (c) => table.readCheckpoint(c),
        lines: (c, after) => table.lines(c, after),
        prune: (...args) => table.prune(...args),
        appendBatch: (...args) => { batches += 1; return table.appendBatch(...args); },
        chains: () => table.chains(),
        close: () => table.close(),
      };
      const log = await openDbAuditLog({ table: counting, chain: 'host-a' });
      for (let i = 1; i <= 1000; i++) log.append(i % 2 === 0 ? lifecycle(i) : decision(i));
      await log.flush();
      assert.equal(batches, 1);
      // Appends arriving while a commit runs go in the next one.
      const more = Array.from({ length: 20 }, (_, i) => log.append(decision(1001 + i)));
      await Promise.all(more.map((r) => log.whenDurable(r.seq)));
      assert.ok(batches <= 3, `${batches} transactions`);
      await log.close();
      const r = await verify(db, 'host-a');
      assert.deepEqual([r.ok, r.records, r.lastSeq], [true, 1020, 1020]);
      assert.equal(await db.tamper.count('host-a'), 1020);
    }));

    it('refuses chain names that are empty, too long or not printable ascii', withDb(backend, async (db) => {
      for (const chain of ['', 'x'.repeat(201), 'host\na', 'hôte']) {
        await assert.rejects(openLog(db, chain), (err: unknown) => isTaskguardError(err) && err.code === 'audit_invalid' && /chain name/.test(err.message));
      }
      const log = await openLog(db, 'x'.repeat(200));
      log.append(decision(1));
      await log.close();
    }));

    it('audit verify prints a line per chain, FAIL for a tampered one, and exits 1', withDb(backend, async (db) => {
      const a = await writeChain(db, 'host-a', 3);
      const b = await writeChain(db, 'host-b', 4);
      const good = await db.cli();
      assert.deepEqual([good.code, good.out, good.err], [0, [
        `ok chain host-a: 3 records, last seq 3, last hash ${(a.at(-1) as AuditRecord).hash}`,
        `ok chain host-b: 4 records, last seq 4, last hash ${(b.at(-1) as AuditRecord).hash}`,
      ].join('\n'), '']);
      await db.tamper.deleteRows('host-b', 2, 2);
      const bad = await db.cli();
      assert.deepEqual([bad.code, bad.out.split('\n')], [1, [
        `ok chain host-a: 3 records, last seq 3, last hash ${(a.at(-1) as AuditRecord).hash}`,
        'FAIL chain host-b pos 3 (seq 3): removed: seq jumps from 1 to 3: 1 record missing',
      ]]);
      const one = await db.cli('--chain', 'host-a');
      assert.deepEqual([one.code, one.out.split('\n').length], [0, 1]);
      const missing = await db.cli('--chain', 'host-c');
      assert.equal(missing.code, 1);
      assert.match(missing.err, /no audit chain host-c in .*\[audit_invalid\]$/);
    }));

    it('audit verify on a database without audit tables says so and exits 1, creating nothing', withDb(backend, async (db) => {
      const r = await db.cli();
      assert.equal(r.code, 1);
      assert.match(r.err, /no audit chains in .*\[audit_invalid\]$/);
      assert.equal(await db.tamper.hasTables(), false);
    }));
  });
}
