import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { headFileOf } from '../../src/audit/head.js';
import { openAuditLog, type OpenAuditLogOptions } from '../../src/audit/open.js';
import type { AuditRecord } from '../../src/audit/record.js';
import { parseRotatedPath } from '../../src/audit/series.js';
import { verifyAuditSeries } from '../../src/audit/series-verify.js';
import { verifyAuditLog } from '../../src/audit/verify.js';
import { isTaskguardError } from '../../src/errors.js';
import { decision, lifecycle, manualClock, readLines, rotatedBeside, tempLogFile } from './helpers.js';

const MAX_BYTES = 2200;

function entry(i: number) {
  return i % 2 === 0 ? lifecycle(i) : decision(i);
}

async function appendAll(options: Partial<OpenAuditLogOptions>, from: number, count: number): Promise<{ file: string; records: AuditRecord[]; info: string[] }> {
  const file = options.file ?? tempLogFile();
  const info: string[] = [];
  const log = await openAuditLog({ fsync: 'never', rotate: { maxBytes: MAX_BYTES }, onInfo: (l) => void info.push(l), ...options, file });
  const records: AuditRecord[] = [];
  for (let i = from; i < from + count; i++) records.push(log.append(entry(i)));
  await log.close();
  return { file, records, info };
}

function head(file: string): { seq: number; hash: string } {
  return JSON.parse(readFileSync(headFileOf(file), 'utf8')) as { seq: number; hash: string };
}

function seqsOf(file: string): number[] {
  return readLines(file).map((l) => (JSON.parse(l) as AuditRecord).seq);
}

describe('audit log rotation', () => {
  it('by size: at record boundaries, no file past max_bytes, the live file keeps its name, one chain across files', async () => {
    const { file, records, info } = await appendAll({}, 1, 30);
    const rotated = rotatedBeside(file);
    assert.ok(rotated.length >= 5, `${rotated.length} rotated files`);
    let next = 1;
    for (const f of [...rotated, file]) {
      assert.ok(statSync(f).size <= MAX_BYTES, `${path.basename(f)} is ${statSync(f).size} bytes`);
      const seqs = seqsOf(f);
      assert.ok(seqs.length > 0);
      assert.deepEqual(seqs, seqs.map((_, i) => next + i), 'each file continues where the one before ended');
      if (f !== file) assert.equal(parseRotatedPath(f)?.firstSeq, next, 'the name says the first seq');
      const first = JSON.parse(readLines(f)[0] ?? '') as AuditRecord;
      assert.equal(first.prev_hash, next === 1 ? '0'.repeat(64) : records[next - 2]?.hash, 'the first record chains from the previous file');
      next += seqs.length;
    }
    assert.equal(next, 31);
    assert.equal(info.length, rotated.length, 'one info line per rotation');
    assert.match(info[0] ?? '', /^rotated audit\.jsonl to audit\.0000000000000001\.\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z\.jsonl \(seq 1 to \d\)$/);
    const r = await verifyAuditSeries(file);
    assert.deepEqual([r.ok, r.records, r.lastSeq, r.lastHash, r.headChecked], [true, 30, 30, records[29]?.hash, true]);
    assert.equal(r.files.length, rotated.length + 1);
  });

  it('names a rotated file for its first seq and the time of its last record, so ls sorts the series in order', async () => {
    const clock = manualClock(Date.UTC(2026, 11, 1, 8, 45, 48, 123));
    const file = tempLogFile();
    const log = await openAuditLog({ file, fsync: 'never', rotate: { maxBytes: MAX_BYTES }, clock: clock.now });
    for (let i = 1; i <= 12; i++) {
      log.append(entry(i));
      clock.advance(1000);
    }
    await log.close();
    const rotated = rotatedBeside(file).map((f) => path.basename(f));
    assert.deepEqual(rotated, [...rotated].sort());
    const firstCount = seqsOf(rotatedBeside(file)[0] ?? '').length;
    const lastTime = new Date(Date.UTC(2026, 11, 1, 8, 45, 48, 123) + (firstCount - 1) * 1000).toISOString().replaceAll(':', '-');
    assert.equal(rotated[0], `audit.0000000000000001.${lastTime}.jsonl`);
  });

  it('by age: a record written max_age_ms after the live file\'s first starts a new file (the injected clock rules)', async () => {
    const clock = manualClock();
    const file = tempLogFile();
    const log = await openAuditLog({ file, fsync: 'never', rotate: { maxAgeMs: 60_000 }, clock: clock.now });
    log.append(entry(1));
    clock.advance(59_999);
    log.append(entry(2));
    await log.flush();
    assert.equal(rotatedBeside(file).length, 0, 'not yet');
    clock.advance(1);
    log.append(entry(3));
    clock.advance(30_000);
    log.append(entry(4));
    await log.close();
    const rotated = rotatedBeside(file);
    assert.equal(rotated.length, 1);
    assert.deepEqual(seqsOf(rotated[0] ?? ''), [1, 2]);
    assert.deepEqual(seqsOf(file), [3, 4]);
    assert.equal((await verifyAuditSeries(file)).ok, true);
  });

  it('by size and age together, whichever comes first', async () => {
    const clock = manualClock();
    const file = tempLogFile();
    const log = await openAuditLog({ file, fsync: 'never', rotate: { maxBytes: MAX_BYTES, maxAgeMs: 10_000 }, clock: clock.now });
    log.append(entry(1));
    clock.advance(10_000);
    log.append(entry(2));
    for (let i = 3; i <= 12; i++) log.append(entry(i));
    await log.close();
    const rotated = rotatedBeside(file);
    assert.deepEqual(seqsOf(rotated[0] ?? ''), [1], 'the age rotated the first file after one record');
    assert.ok(rotated.length >= 3, 'the size rotated the later ones');
    assert.equal((await verifyAuditSeries(file)).records, 12);
  });

  it('a record larger than max_bytes gets a file of its own; an empty live file is never rotated', async () => {
    const file = tempLogFile();
    const log = await openAuditLog({ file, fsync: 'never', rotate: { maxBytes: 100 } });
    log.append(entry(1));
    log.append(entry(2));
    await log.close();
    assert.equal(rotatedBeside(file).length, 1);
    assert.deepEqual(seqsOf(file), [2]);
  });

  it('the head sidecar names the last record after each rotation, and a fresh live file verifies against it', async () => {
    const file = tempLogFile();
    const log = await openAuditLog({ file, fsync: 'always', rotate: { maxBytes: MAX_BYTES } });
    const records: AuditRecord[] = [];
    for (let i = 1; i <= 4; i++) records.push(log.append(entry(i)));
    await log.flush();
    assert.equal(rotatedBeside(file).length, 0);
    const fifth = log.append(entry(5));
    await log.whenDurable(fifth.seq);
    assert.equal(rotatedBeside(file).length, 1, 'the fifth record went to a new file');
    assert.deepEqual(head(file), { seq: 5, hash: fifth.hash });
    assert.deepEqual(seqsOf(file), [5]);
    await log.close();
    const r = await verifyAuditSeries(file);
    assert.deepEqual([r.ok, r.headChecked, r.lastSeq], [true, true, 5]);
  });

  it('a restart continues the series: the live file\'s next record follows, rotation goes on from the file\'s size', async () => {
    const first = await appendAll({}, 1, 10);
    const before = rotatedBeside(first.file).length;
    const again = await appendAll({ file: first.file }, 11, 10);
    assert.equal(again.records[0]?.prev_hash, first.records[9]?.hash);
    assert.equal(again.records[0]?.seq, 11);
    assert.ok(rotatedBeside(first.file).length > before);
    for (const f of [...rotatedBeside(first.file), first.file]) assert.ok(statSync(f).size <= MAX_BYTES);
    const r = await verifyAuditSeries(first.file);
    assert.deepEqual([r.ok, r.records, r.lastSeq], [true, 20, 20]);
  });

  it('a restart right after a rotation (empty live file) continues from the rotated file\'s last record', async () => {
    const file = tempLogFile();
    const clock = manualClock();
    const log = await openAuditLog({ file, fsync: 'always', rotate: { maxAgeMs: 1 }, clock: clock.now });
    const records = [log.append(entry(1))];
    clock.advance(1);
    records.push(log.append(entry(2)));
    await log.close();
    assert.equal(rotatedBeside(file).length, 1);
    // What a crash right after the rotation leaves: the rotated file, an empty live file, the head at seq 1.
    writeFileSync(file, '');
    writeFileSync(headFileOf(file), JSON.stringify({ seq: 1, hash: records[0]?.hash }));
    const again = await openAuditLog({ file });
    assert.deepEqual(again.head, { seq: 1, hash: records[0]?.hash });
    assert.equal(again.recovered, null);
    assert.equal(again.append(entry(2)).prev_hash, records[0]?.hash);
    await again.close();
    assert.equal((await verifyAuditSeries(file)).ok, true);
  });

  it('a crash between the rename and the new live file: openAuditLog finishes the rotation and says so', async () => {
    const file = tempLogFile();
    const log = await openAuditLog({ file, fsync: 'always', rotate: { maxBytes: MAX_BYTES } });
    const records: AuditRecord[] = [];
    for (let i = 1; i <= 4; i++) records.push(log.append(entry(i)));
    await log.close();
    // The sink fsyncs and writes the head before renaming: a crash right after the rename leaves this.
    const target = path.join(path.dirname(file), 'audit.0000000000000001.2026-12-01T08-00-00.000Z.jsonl');
    renameSync(file, target);
    const again = await openAuditLog({ file });
    assert.match(again.recovered?.detail ?? '', /^finished an interrupted rotation: audit\.0000000000000001\..*\.jsonl holds the records up to seq 4, a new audit\.jsonl continues the chain$/);
    assert.equal(again.append(entry(5)).prev_hash, records[3]?.hash);
    await again.close();
    const r = await verifyAuditSeries(file);
    assert.deepEqual([r.ok, r.records, r.files.length], [true, 5, 2]);
  });

  it('refuses, rather than forking the chain, when the live file is gone and the head does not name the newest rotated file', async () => {
    const { file } = await appendAll({}, 1, 12);
    rmSync(file);
    await assert.rejects(openAuditLog({ file }), (err: unknown) => isTaskguardError(err) && err.code === 'audit_invalid' && /missing but its head file exists/.test(err.message));
    rmSync(headFileOf(file));
    await assert.rejects(openAuditLog({ file }), (err: unknown) => isTaskguardError(err) && /missing but its series has rotated files or a checkpoint; refusing to start a new chain/.test(err.message));
    assert.equal(existsSync(file), false, 'no new chain was started');
  });

  it('refuses a live file that does not follow the newest rotated file (a rotated file deleted, or the live file replaced)', async () => {
    const { file } = await appendAll({}, 1, 12);
    const rotated = rotatedBeside(file);
    rmSync(rotated.at(-1) ?? '');
    await assert.rejects(openAuditLog({ file }), (err: unknown) => isTaskguardError(err) && err.code === 'audit_invalid'
      && /does not verify, line 1 \(seq \d+\): removed: seq jumps from \d+ to \d+: \d+ records missing after audit\.0+1\..*, which ends at seq \d+: a file is missing or .* was cut short; refusing to continue its chain/.test(err.message));
  });

  it('refuses a series with a rotated file removed, renamed or cut short, though the live file still follows the newest', async () => {
    const broken = async (change: (rotated: string[]) => void): Promise<string> => {
      const { file } = await appendAll({}, 1, 24);
      change(rotatedBeside(file));
      try {
        await openAuditLog({ file });
      } catch (err) {
        assert.ok(isTaskguardError(err) && err.code === 'audit_invalid');
        return err.message;
      }
      assert.fail('expected openAuditLog to refuse');
    };
    const removed = await broken((r) => rmSync(r[2] ?? ''));
    assert.match(removed, /^audit series of .*audit\.jsonl is broken: audit\.\d+\..*\.jsonl does not follow audit\.\d+\..*\.jsonl \(a file is missing, renamed or cut short; taskguard audit verify says more\); refusing to continue its chain$/);
    assert.match(await broken((r) => rmSync(r[0] ?? '')), /does not follow the genesis hash/);
    assert.match(await broken((r) => renameSync(r[1] ?? '', (r[1] ?? '').replace(/\.0{10}(\d{6})\./, '.0000000000999$1.'))), /is broken: /);
    assert.match(await broken((r) => writeFileSync(r[1] ?? '', readLines(r[1] ?? '').slice(0, -1).map((l) => `${l}\n`).join(''))), /does not follow/);
  });

  it('rotating to a name that exists fails the log closed instead of replacing the file', async () => {
    const file = tempLogFile();
    const errors: string[] = [];
    const clock = manualClock();
    const log = await openAuditLog({ file, fsync: 'never', rotate: { maxAgeMs: 1 }, clock: clock.now, onError: (e) => void errors.push(e.message) });
    log.append(entry(1));
    await log.flush();
    clock.advance(1);
    const squatter = path.join(path.dirname(file), 'audit.0000000000000001.2026-12-01T08-00-00.000Z.jsonl');
    writeFileSync(squatter, 'not mine\n');
    log.append(entry(2));
    await assert.rejects(log.flush(), (err: unknown) => isTaskguardError(err) && err.code === 'audit_io' && /a file of that name exists/.test(err.message));
    assert.equal(readFileSync(squatter, 'utf8'), 'not mine\n');
    assert.throws(() => log.append(entry(3)), /audit log unavailable/);
    await log.close();
    assert.equal(errors.length, 1);
  });

  it('refuses rotation limits that are not whole positive numbers', async () => {
    for (const rotate of [{ maxBytes: 0 }, { maxAgeMs: -1 }, { maxBytes: 1.5 }]) {
      await assert.rejects(openAuditLog({ file: tempLogFile(), rotate }), (err: unknown) => isTaskguardError(err) && err.code === 'audit_invalid' && /^rotate\.max\w+ must be a whole number of at least 1$/.test(err.message));
    }
  });

  it('a log never rotated still verifies as one file, unchanged', async () => {
    const { file } = await appendAll({ rotate: undefined }, 1, 6);
    assert.equal(rotatedBeside(file).length, 0);
    const r = await verifyAuditLog(file);
    assert.deepEqual([r.ok, r.records], [true, 6]);
  });
});
