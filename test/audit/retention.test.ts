import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { checkpointFileOf } from '../../src/audit/checkpoint.js';
import { openAuditLog } from '../../src/audit/open.js';
import type { AuditRecord } from '../../src/audit/record.js';
import { pruneAuditSeries } from '../../src/audit/retention.js';
import { verifyAuditSeries } from '../../src/audit/series-verify.js';
import { isTaskguardError } from '../../src/errors.js';
import { decision, lifecycle, manualClock, rotatedBeside, tempLogFile } from './helpers.js';

const DAY = 86_400_000;

function entry(i: number) {
  return i % 2 === 0 ? lifecycle(i) : decision(i);
}

/** A series of one rotated file per simulated day (seq 1-3 on day 0, 4-6 on day 1, ...), and a live file. */
async function daily(days: number, clock = manualClock()): Promise<{ file: string; records: AuditRecord[]; clock: typeof clock }> {
  const file = tempLogFile();
  const log = await openAuditLog({ file, fsync: 'never', rotate: { maxAgeMs: DAY }, clock: clock.now });
  const records: AuditRecord[] = [];
  for (let day = 0; day <= days; day++) {
    for (let i = 0; i < 3; i++) records.push(log.append(entry(records.length + 1)));
    clock.advance(DAY);
  }
  await log.close();
  return { file, records, clock };
}

function checkpoint(file: string): unknown {
  return JSON.parse(readFileSync(checkpointFileOf(file), 'utf8'));
}

describe('audit retention', () => {
  it('beyond a count: deletes the oldest whole files, writes the checkpoint first, says so per file, and the series still verifies', async () => {
    const { file, records } = await daily(7);
    const rotated = rotatedBeside(file);
    assert.equal(rotated.length, 7);
    const info: string[] = [];
    const pruned = await pruneAuditSeries(file, { maxFiles: 3 }, { onInfo: (l) => void info.push(l) });
    assert.deepEqual(pruned.map((p) => p.file), rotated.slice(0, 4));
    assert.deepEqual(rotatedBeside(file), rotated.slice(4));
    assert.equal(info.length, 4);
    assert.match(info[0] ?? '', /^retention deleted audit\.0000000000000001\.2026-12-01T08-00-00\.000Z\.jsonl \(seq 1 to 3\): beyond the 3 newest rotated files$/);
    assert.deepEqual(checkpoint(file), { seq: 13, prev_hash: records[11]?.hash });
    const r = await verifyAuditSeries(file);
    assert.deepEqual([r.ok, r.records, r.lastSeq, r.checkpoint], [true, 12, 24, { seq: 13, prevHash: records[11]?.hash }]);
    assert.equal(existsSync(file), true, 'never the live file');
  });

  it('older than an age, by the time of each file\'s last record', async () => {
    const { file, clock } = await daily(5);
    const info: string[] = [];
    const pruned = await pruneAuditSeries(file, { maxAgeMs: 4 * DAY }, { now: clock.now(), onInfo: (l) => void info.push(l) });
    // Now is day 6; the rotated files' last records are from days 0..4: days 0, 1 and 2 are 4 days old or more.
    assert.deepEqual(pruned.map((p) => [p.firstSeq, p.lastSeq]), [[1, 3], [4, 6], [7, 9]]);
    assert.match(info[2] ?? '', /\(seq 7 to 9\): older than 345600000 ms$/);
    assert.equal((await verifyAuditSeries(file)).ok, true);
    assert.deepEqual(await pruneAuditSeries(file, { maxAgeMs: 4 * DAY }, { now: clock.now() }), [], 'a second pass finds nothing more');
  });

  it('deletes only a run of the oldest: a young file (the clock went back) stops it', async () => {
    const clock = manualClock(Date.UTC(2026, 11, 10));
    const file = tempLogFile();
    const log = await openAuditLog({ file, fsync: 'never', rotate: { maxBytes: 100 }, clock: clock.now });
    log.append(entry(1));
    clock.advance(-9 * DAY);
    log.append(entry(2));
    clock.advance(1);
    log.append(entry(3));
    clock.advance(1);
    log.append(entry(4));
    await log.close();
    assert.equal(rotatedBeside(file).length, 3);
    assert.deepEqual(await pruneAuditSeries(file, { maxAgeMs: 5 * DAY }, { now: Date.UTC(2026, 11, 12) }), []);
  });

  it('may delete every rotated file; the live file, even empty, then follows the checkpoint', async () => {
    const { file, clock, records } = await daily(2);
    // Rotate the live file (seq 7 to 9) away too and leave an empty one, as right after a rotation.
    const log = await openAuditLog({ file, fsync: 'never', rotate: { maxAgeMs: DAY }, clock: clock.now });
    log.append(entry(10));
    await log.close();
    writeFileSync(file, '');
    writeFileSync(`${file}.head`, JSON.stringify({ seq: 9, hash: records[8]?.hash }));
    await pruneAuditSeries(file, { maxAgeMs: 1 }, { now: clock.now() + DAY });
    assert.deepEqual(rotatedBeside(file), []);
    assert.deepEqual(checkpoint(file), { seq: 10, prev_hash: records[8]?.hash });
    const r = await verifyAuditSeries(file);
    assert.deepEqual([r.ok, r.records, r.lastSeq], [true, 0, 9]);
    const again = await openAuditLog({ file });
    const next = again.append(entry(10));
    assert.deepEqual([next.seq, next.prev_hash], [10, records[8]?.hash], 'a restart continues from the checkpoint');
    await again.close();
    assert.equal((await verifyAuditSeries(file)).records, 1);
  });

  it('verify tells pruned (ok) from missing: the first kept file deleted, the checkpoint edited, deleted or broken', async () => {
    const setup = async () => {
      const { file } = await daily(5);
      await pruneAuditSeries(file, { maxFiles: 3 });
      return { file, kept: rotatedBeside(file) };
    };
    const a = await setup();
    rmSync(a.kept[0] ?? '');
    const missing = await verifyAuditSeries(a.file);
    assert.deepEqual([missing.problemFile, missing.problem?.line, missing.problem?.kind], [path.basename(a.kept[1] ?? ''), 1, 'removed']);
    assert.match(missing.problem?.detail ?? '', /^seq jumps from 6 to 10: 3 records missing after the checkpoint$/);

    const b = await setup();
    writeFileSync(checkpointFileOf(b.file), JSON.stringify({ seq: 7, prev_hash: 'e'.repeat(64) }));
    const edited = await verifyAuditSeries(b.file);
    assert.deepEqual([edited.problemFile, edited.problem?.line, edited.problem?.kind], [path.basename(b.kept[0] ?? ''), 1, 'checkpoint_mismatch']);

    const c = await setup();
    writeFileSync(checkpointFileOf(c.file), JSON.stringify({ seq: 4, prev_hash: 'e'.repeat(64) }));
    const movedBack = await verifyAuditSeries(c.file);
    assert.deepEqual([movedBack.problem?.kind, movedBack.problem?.detail], ['removed', 'seq jumps from 3 to 7: 3 records missing after the checkpoint']);

    const d = await setup();
    rmSync(checkpointFileOf(d.file));
    const noCheckpoint = await verifyAuditSeries(d.file);
    assert.deepEqual([noCheckpoint.problem?.kind, noCheckpoint.problem?.detail], ['removed', 'seq jumps from 0 to 7: 6 records missing']);

    const e = await setup();
    writeFileSync(checkpointFileOf(e.file), '{"seq":"seven"}');
    const broken = await verifyAuditSeries(e.file);
    assert.deepEqual([broken.problemFile, broken.problem?.line, broken.problem?.kind], ['audit.jsonl.checkpoint', 0, 'checkpoint_mismatch']);
    await assert.rejects(openAuditLog({ file: e.file }), (err: unknown) => isTaskguardError(err) && err.code === 'audit_invalid' && /checkpoint file lacks a valid seq and prev_hash/.test(err.message));
  });

  it('a crash between the checkpoint and the deletions: the files left are skipped by verify and deleted by the next pass', async () => {
    const { file } = await daily(5);
    const rotated = rotatedBeside(file);
    const saved = `${rotated[0]}.saved`;
    copyFileSync(rotated[0] ?? '', saved);
    await pruneAuditSeries(file, { maxFiles: 4 });
    copyFileSync(saved, rotated[0] ?? '');
    rmSync(saved);
    const r = await verifyAuditSeries(file);
    assert.deepEqual([r.ok, r.leftovers], [true, [path.basename(rotated[0] ?? '')]]);
    const info: string[] = [];
    await pruneAuditSeries(file, { maxFiles: 4 }, { onInfo: (l) => void info.push(l) });
    assert.deepEqual(info, [`retention deleted ${path.basename(rotated[0] ?? '')} (seq 1 to 3): before the checkpoint, left by an interrupted retention pass`]);
    assert.deepEqual((await verifyAuditSeries(file)).leftovers, []);
  });

  it('refuses to prune across a broken link, deleting nothing', async () => {
    const { file } = await daily(5);
    const rotated = rotatedBeside(file);
    rmSync(rotated[2] ?? '');
    await assert.rejects(pruneAuditSeries(file, { maxFiles: 2 }), (err: unknown) => isTaskguardError(err) && err.code === 'audit_invalid'
      && new RegExp(`^${path.basename(rotated[3] ?? '').replaceAll('.', '\\.')} does not follow ${path.basename(rotated[1] ?? '').replaceAll('.', '\\.')}: retention deletes nothing$`).test(err.message));
    assert.deepEqual(rotatedBeside(file), [rotated[0], rotated[1], rotated[3], rotated[4]]);
    assert.equal(existsSync(checkpointFileOf(file)), false);
  });

  it('openAuditLog runs retention when it opens and after each rotation, reporting through onInfo', async () => {
    const clock = manualClock();
    const file = tempLogFile();
    const info: string[] = [];
    const open = () => openAuditLog({ file, fsync: 'never', rotate: { maxAgeMs: DAY }, retain: { maxFiles: 2 }, clock: clock.now, onInfo: (l) => void info.push(l) });
    const log = await open();
    for (let i = 1; i <= 6; i++) {
      log.append(entry(i));
      clock.advance(DAY);
    }
    await log.close();
    assert.equal(rotatedBeside(file).length, 2);
    assert.deepEqual(info.map((l) => l.split(' ').slice(0, 2).join(' ')), [
      'rotated audit.jsonl', 'rotated audit.jsonl', 'rotated audit.jsonl', 'retention deleted',
      'rotated audit.jsonl', 'retention deleted', 'rotated audit.jsonl', 'retention deleted',
    ]);
    const r = await verifyAuditSeries(file);
    assert.deepEqual([r.ok, r.records, r.checkpoint?.seq], [true, 3, 4]);
    info.length = 0;
    const again = await openAuditLog({ file, retain: { maxFiles: 1 }, onInfo: (l) => void info.push(l) });
    assert.deepEqual(info.map((l) => l.split(':')[0]), ['retention deleted audit.0000000000000004.2026-12-04T08-00-00.000Z.jsonl (seq 4 to 4)']);
    assert.equal(again.append(entry(7)).seq, 7);
    await again.close();
    assert.equal((await verifyAuditSeries(file)).ok, true);
  });

  it('a retention pass that fails is reported through onInfo and the log goes on', async () => {
    const { file } = await daily(4);
    const rotated = rotatedBeside(file);
    const saved = readFileSync(rotated[0] ?? '', 'utf8');
    await pruneAuditSeries(file, { maxFiles: 3 });
    // A file the checkpoint covers, put back damaged: the next pass must delete it, and cannot read its end.
    writeFileSync(rotated[0] ?? '', saved.slice(0, -10));
    const info: string[] = [];
    const log = await openAuditLog({ file, retain: { maxFiles: 3 }, onInfo: (l) => void info.push(l) });
    assert.deepEqual(info, [`retention failed, nothing more deleted: ${path.basename(rotated[1] ?? '')} does not follow ${path.basename(rotated[0] ?? '')}: retention deletes nothing`]);
    assert.equal(log.append(entry(16)).seq, 16);
    await log.close();
    assert.equal((await verifyAuditSeries(file)).ok, true);
  });
});
