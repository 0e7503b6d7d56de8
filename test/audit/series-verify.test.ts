import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openAuditLog } from '../../src/audit/open.js';
import { hashRecord, type AuditRecord } from '../../src/audit/record.js';
import { verifyAuditSeries } from '../../src/audit/series-verify.js';
import { verifyAuditLog, type AuditProblem } from '../../src/audit/verify.js';
import { decision, readLines, rotatedBeside, tempLogFile, writeLines, writeSeries } from './helpers.js';

const series = (count = 30) => writeSeries(count);

function where(r: { problem?: AuditProblem; problemFile?: string }): [string | undefined, number | undefined, number | undefined, string | undefined] {
  return [r.problemFile, r.problem?.line, r.problem?.seq, r.problem?.kind];
}

const name = (f: string | undefined): string => path.basename(f ?? '');
const firstSeqOf = (f: string | undefined): number => (JSON.parse(readLines(f ?? '')[0] ?? '') as AuditRecord).seq;
const lastSeqOf = (f: string | undefined): number => (JSON.parse(readLines(f ?? '').at(-1) ?? '') as AuditRecord).seq;

describe('verifying a rotated series', () => {
  it('an untouched series verifies in order, file by file, its end against the head', async () => {
    const { file, rotated, records } = await series();
    const r = await verifyAuditSeries(file);
    assert.deepEqual([r.ok, r.records, r.lastSeq, r.lastHash, r.headChecked], [true, 30, 30, records[29]?.hash, true]);
    assert.deepEqual(r.files.map((f) => f.name), [...rotated, file].map(name));
    assert.deepEqual(r.files[1], { name: name(rotated[1]), records: lastSeqOf(rotated[1]) - firstSeqOf(rotated[1]) + 1, firstSeq: firstSeqOf(rotated[1]), lastSeq: lastSeqOf(rotated[1]) });
    assert.equal(r.checkpoint, undefined);
  });

  it('a removed middle file: removed, at the first line of the file after the gap, naming the file before it', async () => {
    const { file, rotated } = await series();
    const gone = rotated[3];
    rmSync(gone ?? '');
    const r = await verifyAuditSeries(file);
    assert.deepEqual(where(r), [name(rotated[4]), 1, firstSeqOf(rotated[4]), 'removed']);
    const missing = firstSeqOf(rotated[4]) - lastSeqOf(rotated[2]) - 1;
    assert.equal(r.problem?.detail, `seq jumps from ${lastSeqOf(rotated[2])} to ${firstSeqOf(rotated[4])}: ${missing} records missing after ${name(rotated[2])}, which ends at seq ${lastSeqOf(rotated[2])}: a file is missing or ${name(rotated[2])} was cut short`);
    assert.deepEqual(r.files.map((f) => f.name), rotated.slice(0, 3).map(name), 'the files before the gap verified');
  });

  it('the oldest file removed (no checkpoint): removed at the first line of the first file left', async () => {
    const { file, rotated } = await series();
    rmSync(rotated[0] ?? '');
    const r = await verifyAuditSeries(file);
    assert.deepEqual(where(r), [name(rotated[1]), 1, firstSeqOf(rotated[1]), 'removed']);
    assert.match(r.problem?.detail ?? '', /^seq jumps from 0 to \d+/);
  });

  it('the newest rotated file removed: removed at the live file\'s first line', async () => {
    const { file, rotated } = await series();
    rmSync(rotated.at(-1) ?? '');
    assert.deepEqual(where(await verifyAuditSeries(file)), ['audit.jsonl', 1, firstSeqOf(file), 'removed']);
  });

  it('two files swapped by renaming: reordered, at the first one whose name does not fit its records', async () => {
    const { file, rotated } = await series();
    const [a, b] = [rotated[2] ?? '', rotated[3] ?? ''];
    renameSync(a, `${a}.tmp`);
    renameSync(b, a);
    renameSync(`${a}.tmp`, b);
    const r = await verifyAuditSeries(file);
    assert.deepEqual(where(r), [name(a), 1, firstSeqOf(a), 'reordered']);
    assert.match(r.problem?.detail ?? '', new RegExp(`^${name(a).replaceAll('.', '\\.')} is named for seq \\d+ but holds the records from seq \\d+: files were renamed or swapped$`));
  });

  it('records cut from the start of a file: removed, by its name', async () => {
    const { file, rotated } = await series();
    writeLines(rotated[2] ?? '', readLines(rotated[2] ?? '').slice(1));
    const r = await verifyAuditSeries(file);
    assert.deepEqual(where(r), [name(rotated[2]), 1, firstSeqOf(rotated[2]), 'removed']);
    assert.match(r.problem?.detail ?? '', /is named for seq \d+ but starts at seq \d+: 1 record missing from its start$/);
  });

  it('an edited record in a rotated file: edited, at its file and line', async () => {
    const { file, rotated } = await series();
    const target = rotated[4] ?? '';
    writeLines(target, readLines(target).map((l, i) => (i === 1 ? l.replace('"export_data"', '"innocent"') : l)));
    const r = await verifyAuditSeries(file);
    assert.deepEqual(where(r), [name(target), 2, firstSeqOf(target) + 1, 'edited']);
    assert.equal(r.problem?.detail, 'hash does not match the record\'s content');
  });

  it('a rotated file\'s last record edited and rehashed: edited, caught by the next file\'s first prev_hash', async () => {
    const { file, rotated } = await series();
    const target = rotated[1] ?? '';
    const lines = readLines(target);
    const last = JSON.parse(lines.at(-1) ?? '') as Record<string, unknown>;
    last['tool'] = 'innocent';
    last['hash'] = hashRecord(last);
    writeLines(target, [...lines.slice(0, -1), JSON.stringify(last)]);
    const r = await verifyAuditSeries(file);
    assert.deepEqual(where(r), [name(rotated[2]), 1, firstSeqOf(rotated[2]), 'edited']);
    assert.match(r.problem?.detail ?? '', new RegExp(`differs from the hash of seq ${lastSeqOf(target)}, the last record of ${name(target).replaceAll('.', '\\.')}: one of them was changed and rehashed$`));
  });

  it('records cut from the end of a rotated file: removed, at the next file', async () => {
    const { file, rotated } = await series();
    writeLines(rotated[2] ?? '', readLines(rotated[2] ?? '').slice(0, -1));
    assert.deepEqual(where(await verifyAuditSeries(file)), [name(rotated[3]), 1, firstSeqOf(rotated[3]), 'removed']);
  });

  it('a truncated last file: a torn line, or whole records cut (caught by the head)', async () => {
    const torn = await series();
    const text = readFileSync(torn.file, 'utf8');
    truncateSync(torn.file, Buffer.byteLength(text) - 30);
    const a = await verifyAuditSeries(torn.file);
    assert.deepEqual([a.problemFile, a.problem?.kind], ['audit.jsonl', 'truncated']);
    const cut = await series();
    writeLines(cut.file, readLines(cut.file).slice(0, -1));
    const b = await verifyAuditSeries(cut.file);
    assert.deepEqual(where(b), ['audit.jsonl', readLines(cut.file).length + 1, 30, 'truncated']);
    assert.match(b.problem?.detail ?? '', /^log ends at seq 29 but its head is seq 30: 1 record cut from the end$/);
  });

  it('a live file emptied after a rotation: truncated by the head', async () => {
    const { file } = await series();
    writeFileSync(file, '');
    const r = await verifyAuditSeries(file);
    assert.deepEqual([r.problemFile, r.problem?.kind], ['audit.jsonl', 'truncated']);
  });

  it('an empty rotated file: truncated', async () => {
    const { file, rotated } = await series();
    writeFileSync(rotated[2] ?? '', '');
    assert.deepEqual(where(await verifyAuditSeries(file)), [name(rotated[2]), 1, undefined, 'truncated']);
  });

  it('a rotated file checked alone verifies from the seq its name says; one that lost its first records does not', async () => {
    const { rotated } = await series();
    const target = rotated[3] ?? '';
    const alone = await verifyAuditLog(target);
    assert.deepEqual([alone.ok, alone.records, alone.lastSeq, alone.headChecked], [true, readLines(target).length, lastSeqOf(target), false]);
    writeLines(target, readLines(target).slice(2));
    const cut = await verifyAuditLog(target);
    assert.deepEqual([cut.ok, cut.problem?.line, cut.problem?.kind], [false, 1, 'removed']);
  });

  it('stays green while the writer keeps rotating under it', async () => {
    const file = tempLogFile();
    const log = await openAuditLog({ file, fsync: 'never', rotate: { maxBytes: 8000 } });
    let seq = 0;
    const write = async (): Promise<void> => {
      for (let burst = 0; burst < 60; burst++) {
        for (let i = 0; i < 5; i++) log.append(decision(++seq));
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    const verifyAll = async (): Promise<boolean[]> => {
      const results: boolean[] = [];
      for (let i = 0; i < 10; i++) results.push((await verifyAuditSeries(file)).ok);
      return results;
    };
    log.append(decision(++seq));
    await log.flush();
    const [, oks] = await Promise.all([write(), verifyAll()]);
    await log.close();
    assert.deepEqual(oks, oks.map(() => true));
    assert.ok(rotatedBeside(file).length > 10);
    assert.equal((await verifyAuditSeries(file)).records, seq);
  });

  it('text appended to a rotated file: caught where the next file starts', async () => {
    const { file, rotated } = await series();
    appendFileSync(rotated[0] ?? '', `${readLines(rotated[1] ?? '')[0]}\n`);
    const r = await verifyAuditSeries(file);
    assert.deepEqual([r.problemFile, r.problem?.kind], [name(rotated[1]), 'reordered']);
  });
});
