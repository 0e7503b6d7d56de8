import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { headFileOf } from '../../src/audit/head.js';
import { openAuditLog } from '../../src/audit/open.js';
import type { AuditRecord } from '../../src/audit/record.js';
import { verifyAuditLog } from '../../src/audit/verify.js';
import { isTaskguardError } from '../../src/errors.js';
import { decision, lifecycle, readLines, tempLogFile, writeLines, writeLog } from './helpers.js';

const refused = (pattern: RegExp) => (err: unknown) => isTaskguardError(err) && err.code === 'audit_invalid' && pattern.test(err.message);

describe('opening an existing audit log', () => {
  it('continues the chain: seq + 1, prev_hash = the last hash, and the whole file verifies', async () => {
    const file = await writeLog(5);
    const last = JSON.parse(readLines(file)[4] ?? '') as AuditRecord;
    const log = await openAuditLog({ file, fsync: 'always' });
    assert.deepEqual(log.head, { seq: 5, hash: last.hash });
    assert.equal(log.recovered, null);
    const next = log.append(lifecycle(6, { event: 'cancelled', status: 'cancelled' }));
    assert.deepEqual([next.seq, next.prev_hash], [6, last.hash]);
    await log.close();
    const again = await openAuditLog({ file });
    again.append(decision(7));
    await again.close();
    const r = await verifyAuditLog(file);
    assert.deepEqual([r.ok, r.records, r.lastSeq], [true, 7, 7]);
  });

  it('creates the folder and the file when neither exists', async () => {
    const file = path.join(path.dirname(tempLogFile()), 'nested', 'deeper', 'audit.jsonl');
    const log = await openAuditLog({ file });
    log.append(decision(1));
    await log.close();
    assert.equal((await verifyAuditLog(file)).records, 1);
  });

  it('refuses a tampered log, and leaves it as it was', async () => {
    const file = await writeLog(5);
    const lines = readLines(file);
    writeLines(file, lines.filter((_, i) => i !== 2));
    const before = readFileSync(file, 'utf8');
    await assert.rejects(openAuditLog({ file }), refused(/does not verify, line 3 \(seq 4\): removed: .*refusing to continue its chain/));
    assert.equal(readFileSync(file, 'utf8'), before);
  });

  it('refuses a log whose last whole record was cut (the head says more)', async () => {
    const file = await writeLog(5);
    writeLines(file, readLines(file).slice(0, -1));
    await assert.rejects(openAuditLog({ file }), refused(/truncated/));
  });

  it('refuses to start a new chain where the log is gone but its head remains', async () => {
    const file = await writeLog(3);
    rmSync(file);
    await assert.rejects(openAuditLog({ file }), refused(/missing but its head file exists/));
  });

  it('cuts a torn last line, says so in `recovered`, and continues from the record before it', async () => {
    const file = await writeLog(4);
    const lines = readLines(file);
    const third = JSON.parse(lines[2] ?? '') as AuditRecord;
    // What a crash mid-write leaves: the head still names seq 3 (its fsync came before record 4's), and
    // record 4 got only partly onto disk.
    writeFileSync(headFileOf(file), JSON.stringify({ seq: 3, hash: third.hash }));
    const full = readFileSync(file, 'utf8');
    truncateSync(file, Buffer.byteLength(full) - 25);
    const tornBytes = Buffer.byteLength(lines[3] ?? '') + 1 - 25;
    const log = await openAuditLog({ file });
    assert.deepEqual(log.recovered, {
      line: 4, bytes: tornBytes, detail: `cut a torn last line (line 4, ${tornBytes} bytes without a trailing newline) left by an interrupted write`,
    });
    assert.deepEqual(log.head, { seq: 3, hash: third.hash });
    assert.equal(log.append(decision(4)).prev_hash, third.hash);
    await log.close();
    const r = await verifyAuditLog(file);
    assert.deepEqual([r.ok, r.records], [true, 4]);
  });

  it('a torn line that is the whole file leaves an empty log that starts at seq 1', async () => {
    const file = tempLogFile();
    writeFileSync(file, '{"seq":1,"ti');
    const log = await openAuditLog({ file });
    assert.equal(log.recovered?.bytes, 12);
    assert.equal(log.append(decision(1)).seq, 1);
    await log.close();
    assert.equal((await verifyAuditLog(file)).ok, true);
  });

  it('still refuses when something besides the torn last line is wrong', async () => {
    const file = await writeLog(5);
    const lines = readLines(file);
    writeLines(file, lines.filter((_, i) => i !== 1));
    appendFileSync(file, '{"seq":6,');
    const before = readFileSync(file, 'utf8');
    await assert.rejects(openAuditLog({ file }), refused(/line 2 \(seq 3\): removed/));
    assert.equal(readFileSync(file, 'utf8'), before, 'nothing was cut from a log that is refused');
  });

  it('continues a log whose head lags behind it (a crash between the log\'s fsync and the head\'s)', async () => {
    const file = await writeLog(4);
    const second = JSON.parse(readLines(file)[1] ?? '') as AuditRecord;
    writeFileSync(headFileOf(file), JSON.stringify({ seq: 2, hash: second.hash }));
    const log = await openAuditLog({ file });
    assert.equal(log.head.seq, 4);
    await log.close();
    assert.equal(JSON.parse(readFileSync(headFileOf(file), 'utf8')).seq, 4, 'the head was brought up to date');
  });
});
