import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { FileSink } from '../../src/audit/file-sink.js';
import { headFileOf } from '../../src/audit/head.js';
import { AuditLog } from '../../src/audit/log.js';
import { openAuditLog } from '../../src/audit/open.js';
import type { AuditRecord } from '../../src/audit/record.js';
import { verifyAuditLog } from '../../src/audit/verify.js';
import { isTaskguardError } from '../../src/errors.js';
import { decision, lifecycle, readLines, tempLogFile, writeLog } from './helpers.js';

function head(file: string): unknown {
  return JSON.parse(readFileSync(headFileOf(file), 'utf8'));
}

describe('audit file sink', () => {
  for (const fsync of ['always', 'interval', 'never'] as const) {
    it(`fsync '${fsync}': one complete json line per record, a verifying file, a head at the last record, flush and close resolve`, async () => {
      const file = tempLogFile();
      const log = await openAuditLog({ file, fsync, intervalMs: 10 });
      const records: AuditRecord[] = [];
      for (let i = 1; i <= 50; i++) records.push(log.append(i % 2 ? decision(i) : lifecycle(i)));
      await log.flush();
      assert.deepEqual(head(file), { seq: 50, hash: records[49]?.hash });
      await Promise.all(Array.from({ length: 50 }, (_, i) => Promise.resolve().then(() => records.push(log.append(decision(i))))));
      await log.close();
      const text = readFileSync(file, 'utf8');
      assert.ok(text.endsWith('\n'));
      const lines = readLines(file);
      assert.equal(lines.length, 100);
      assert.deepEqual(lines.map((l) => (JSON.parse(l) as AuditRecord).hash), records.map((r) => r.hash));
      assert.deepEqual(head(file), { seq: 100, hash: records[99]?.hash });
      const result = await verifyAuditLog(file);
      assert.deepEqual({ ok: result.ok, records: result.records, headChecked: result.headChecked }, { ok: true, records: 100, headChecked: true });
    });
  }

  it("'always': a record is fsynced, and named by the head, by the time whenDurable resolves", async () => {
    const file = tempLogFile();
    const log = await openAuditLog({ file, fsync: 'always' });
    for (let i = 1; i <= 3; i++) {
      const r = log.append(decision(i));
      await log.whenDurable(r.seq);
      assert.deepEqual(head(file), { seq: r.seq, hash: r.hash });
    }
    await log.close();
  });

  it("'interval': records reach the OS at once, long before their fsync", async () => {
    const file = tempLogFile();
    const log = await openAuditLog({ file, fsync: 'interval', intervalMs: 60_000 });
    const r = log.append(decision(1));
    const deadline = Date.now() + 5000;
    while (readLines(file).length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2));
    assert.equal(readLines(file).length, 1, 'written without waiting for the tick');
    assert.equal(existsSync(headFileOf(file)), false, 'not yet fsynced');
    const durable = log.whenDurable(r.seq);
    await log.flush();
    await durable;
    assert.deepEqual(head(file), { seq: 1, hash: r.hash });
    await log.close();
  });

  it("'interval': whenDurable resolves on the next tick without a flush", async () => {
    const file = tempLogFile();
    const log = await openAuditLog({ file, fsync: 'interval', intervalMs: 20 });
    const r = log.append(decision(1));
    await log.whenDurable(r.seq);
    assert.deepEqual(head(file), { seq: 1, hash: r.hash });
    await log.close();
  });

  it("'never': whenDurable means handed to the OS; the head is written only by flush", async () => {
    const file = tempLogFile();
    const log = await openAuditLog({ file, fsync: 'never' });
    const r = log.append(decision(1));
    await log.whenDurable(r.seq);
    assert.equal(readLines(file).length, 1);
    assert.equal(existsSync(headFileOf(file)), false);
    await log.flush();
    assert.deepEqual(head(file), { seq: 1, hash: r.hash });
    await log.close();
  });

  it('flush and close with nothing appended resolve and leave an empty, verifying log', async () => {
    const file = tempLogFile();
    const log = await openAuditLog({ file, fsync: 'always' });
    await log.flush();
    await log.whenDurable();
    await log.close();
    assert.equal(readFileSync(file, 'utf8'), '');
    assert.deepEqual(await verifyAuditLog(file), { ok: true, records: 0, lastSeq: 0, lastHash: '0'.repeat(64), headChecked: false });
  });

  it('refuses an unknown fsync policy or interval', async () => {
    const file = tempLogFile();
    await assert.rejects(FileSink.open(file, { fsync: 'sometimes' as never }), (err) => isTaskguardError(err) && err.code === 'audit_invalid');
    await assert.rejects(FileSink.open(file, { intervalMs: 0 }), (err) => isTaskguardError(err) && err.code === 'audit_invalid');
  });

  it('refuses to start a new chain at the end of a file that already has records', async () => {
    const file = await writeLog(2);
    await assert.rejects(FileSink.open(file), (err) => isTaskguardError(err) && err.code === 'audit_invalid' && /already has records/.test(err.message));
  });

  it('a sink can be used directly with an AuditLog', async () => {
    const file = tempLogFile();
    const log = new AuditLog({ sink: await FileSink.open(file, { fsync: 'always' }) });
    log.append(decision(1));
    await log.close();
    assert.equal((await verifyAuditLog(file)).records, 1);
  });
});
