import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { runCli as run } from '../support/run-cli.js';
import { headFileOf } from '../../src/audit/head.js';
import { openAuditLog } from '../../src/audit/open.js';
import type { AuditRecord } from '../../src/audit/record.js';
import { pruneAuditSeries } from '../../src/audit/retention.js';
import { decision, readLines, rotatedBeside, tempLogFile, writeLines, writeLog, writeSeries } from './helpers.js';


describe('taskguard audit verify', () => {
  it('prints one ok line and exits 0 for a good log', async () => {
    const file = await writeLog(6);
    const last = JSON.parse(readLines(file)[5] ?? '') as AuditRecord;
    const r = await run('audit', 'verify', file);
    assert.deepEqual([r.code, r.out, r.err], [0, `ok: 6 records, last seq 6, last hash ${last.hash}`, '']);
  });

  it('prints FAIL with line, seq, kind and detail, and exits 1', async () => {
    const file = await writeLog(6);
    writeLines(file, readLines(file).filter((_, i) => i !== 3));
    const r = await run('audit', 'verify', file);
    assert.deepEqual([r.code, r.out], [1, 'FAIL line 4 (seq 5): removed: seq jumps from 3 to 5: 1 record missing']);
  });

  it('--head none skips the sidecar; --head sidecar (the default) catches a cut tail', async () => {
    const file = await writeLog(6);
    writeLines(file, readLines(file).slice(0, -1));
    const withHead = await run('audit', 'verify', file, '--head', 'sidecar');
    assert.deepEqual([withHead.code, withHead.out], [1, 'FAIL line 6 (seq 6): truncated: log ends at seq 5 but its head is seq 6: 1 record cut from the end']);
    const none = await run('audit', 'verify', file, '--head', 'none');
    assert.equal(none.code, 0);
    assert.match(none.out, /^ok: 5 records, last seq 5, last hash [0-9a-f]{64}$/);
  });

  it('--head SEQ:HASH checks against a head kept elsewhere', async () => {
    const file = await writeLog(3);
    const second = JSON.parse(readLines(file)[1] ?? '') as AuditRecord;
    assert.equal((await run('audit', 'verify', file, '--head', `2:${second.hash}`)).code, 0);
    const r = await run('audit', 'verify', file, '--head', `2:${'0'.repeat(64)}`);
    assert.deepEqual([r.code, r.out], [1, "FAIL line 2 (seq 2): head_mismatch: hash of seq 2 differs from the head's"]);
  });

  it('a torn last line is reported without a seq', async () => {
    const file = await writeLog(2);
    appendFileSync(file, '{"seq":3,"time');
    const r = await run('audit', 'verify', file);
    assert.deepEqual([r.code, r.out], [1, 'FAIL line 3: truncated: last line has no trailing newline: the record was cut off']);
  });

  it('notes on stderr when there is no head file to check the end against', async () => {
    const file = await writeLog(2);
    rmSync(headFileOf(file));
    const r = await run('audit', 'verify', file);
    assert.equal(r.code, 0);
    assert.match(r.err, /no head file/);
  });

  it('usage errors exit 2; a missing file exits 1 with audit_io', async () => {
    for (const argv of [['audit'], ['audit', 'check', 'x'], ['audit', 'verify'], ['audit', 'verify', 'a', 'b'], ['audit', 'verify', 'a', '--head', 'latest']]) {
      const r = await run(...argv);
      assert.equal(r.code, 2, argv.join(' '));
      assert.match(r.err, /taskguard audit verify FILE/);
    }
    const missing = await run('audit', 'verify', tempLogFile());
    assert.equal(missing.code, 1);
    assert.match(missing.err, /^taskguard audit: cannot read audit log .*\[audit_io\]$/);
  });

  it('is listed in the usage', async () => {
    const r = await run('--help');
    assert.match(r.out, /taskguard audit verify FILE\|DIR \[--head sidecar\|none\|SEQ:HASH\]\s+verify an audit log's hash chain and head/);
  });
});

function seqRange(file: string): string {
  const seqs = readLines(file).map((l) => (JSON.parse(l) as AuditRecord).seq);
  return `${seqs.length} records, seq ${seqs[0]} to ${seqs.at(-1)}`;
}

describe('taskguard audit verify over a rotated series', () => {
  it('the live file with rotated files beside it: a line per file, then the series, exit 0', async () => {
    const { file, rotated, records } = await writeSeries(14);
    const r = await run('audit', 'verify', file);
    assert.deepEqual([r.code, r.err], [0, '']);
    assert.deepEqual(r.out.split('\n'), [
      ...[...rotated, file].map((f) => `ok ${path.basename(f)}: ${seqRange(f)}`),
      `ok: ${rotated.length + 1} files, 14 records, last seq 14, last hash ${records[13]?.hash}`,
    ]);
  });

  it('the folder works as well as the live file', async () => {
    const { file } = await writeSeries(10);
    const byDir = await run('audit', 'verify', path.dirname(file));
    assert.deepEqual(byDir, await run('audit', 'verify', file));
    assert.equal(byDir.code, 0);
  });

  it('a removed middle file: FAIL naming the file and line where the gap shows, exit 1', async () => {
    const { file, rotated } = await writeSeries(20);
    rmSync(rotated[1] ?? '');
    const r = await run('audit', 'verify', file);
    assert.equal(r.code, 1);
    const lines = r.out.split('\n');
    assert.equal(lines[0], `ok ${path.basename(rotated[0] ?? '')}: ${seqRange(rotated[0] ?? '')}`);
    assert.match(lines[1] ?? '', new RegExp(`^FAIL ${path.basename(rotated[2] ?? '').replaceAll('.', '\\.')} line 1 \\(seq \\d+\\): removed: seq jumps from \\d+ to \\d+: \\d+ records missing after audit\\.0+1\\.`));
    assert.equal(lines.length, 2);
  });

  it('an edited record: FAIL at its file and line', async () => {
    const { file, rotated } = await writeSeries(20);
    const target = rotated[2] ?? '';
    writeLines(target, readLines(target).map((l, i) => (i === 2 ? l.replace('"acme"', '"globex"') : l)));
    const r = await run('audit', 'verify', file);
    assert.equal(r.code, 1);
    assert.match(r.out.split('\n').at(-1) ?? '', new RegExp(`^FAIL ${path.basename(target).replaceAll('.', '\\.')} line 3 \\(seq \\d+\\): edited: hash does not match`));
  });

  it('after retention: says where the kept series starts, and still exits 0', async () => {
    const { file, rotated } = await writeSeries(20);
    await pruneAuditSeries(file, { maxFiles: 2 });
    const kept = rotatedBeside(file);
    const first = JSON.parse(readLines(kept[0] ?? '')[0] ?? '') as AuditRecord;
    const r = await run('audit', 'verify', file);
    assert.equal(r.code, 0);
    assert.equal(r.out.split('\n')[0], `pruned: the records before seq ${first.seq} were deleted by retention (audit.jsonl.checkpoint)`);
    assert.equal(r.out.split('\n').length, 1 + kept.length + 1 + 1);
    assert.ok(rotated.length > kept.length);
  });

  it('a rotated file named on its own is checked alone, with a note saying how to check the series', async () => {
    const { rotated } = await writeSeries(12);
    const target = rotated[1] ?? '';
    const r = await run('audit', 'verify', target);
    assert.equal(r.code, 0);
    assert.match(r.out, /^ok: \d+ records, last seq \d+, last hash [0-9a-f]{64}$/);
    assert.equal(r.err, `note: ${path.basename(target)} is a rotated file, checked alone; verify audit.jsonl or its folder to check the whole series`);
  });

  it('a folder with no log, or with two, says so and exits 1', async () => {
    const empty = path.dirname(tempLogFile());
    assert.match((await run('audit', 'verify', empty)).err, /no audit log in .*: no head file and no rotated files \[audit_invalid\]$/);
    const { file } = await writeSeries(2);
    const other = await openAuditLog({ file: path.join(path.dirname(file), 'other.jsonl'), fsync: 'always' });
    other.append(decision(1));
    await other.close();
    const two = await run('audit', 'verify', path.dirname(file));
    assert.equal(two.code, 1);
    assert.match(two.err, /holds 2 audit logs \(audit\.jsonl, other\.jsonl\): name the live file of one \[audit_invalid\]$/);
  });
});
