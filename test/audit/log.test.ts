import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { FileSink } from '../../src/audit/file-sink.js';
import { AuditLog } from '../../src/audit/log.js';
import { openAuditLog } from '../../src/audit/open.js';
import { GENESIS_HASH, type AuditRecord } from '../../src/audit/record.js';
import { verifyAuditLog } from '../../src/audit/verify.js';
import { isTaskguardError, type TaskguardError } from '../../src/errors.js';
import { REVISION, decision, lifecycle, readLines, tempLogFile } from './helpers.js';

describe('audit log', () => {
  it('chains records: consecutive seqs from 1, genesis prev_hash, each prev_hash the previous hash', () => {
    let now = Date.UTC(2025, 0, 1);
    const log = new AuditLog({ clock: () => now++ });
    const records = [log.append(decision(1)), log.append(lifecycle(2)), log.append(decision(3))];
    assert.deepEqual(records.map((r) => r.seq), [1, 2, 3]);
    assert.equal(records[0]?.prev_hash, GENESIS_HASH);
    assert.equal(records[1]?.prev_hash, records[0]?.hash);
    assert.equal(records[2]?.prev_hash, records[1]?.hash);
    assert.equal(records[2]?.time, '2025-01-01T00:00:00.002Z');
    assert.deepEqual(log.head, { seq: 3, hash: records[2]?.hash });
  });

  it('uses the log\'s revisions when an entry brings none, and the entry\'s when it does', () => {
    const log = new AuditLog({ policyRevision: 'p'.repeat(64), dataRevision: 'd'.repeat(64) });
    const a = log.append({ kind: 'lifecycle', event: 'expired', task_id: 't' });
    const b = log.append(decision(1, { data_revision: 'e'.repeat(64) }));
    assert.deepEqual([a.policy_revision, a.data_revision], ['p'.repeat(64), 'd'.repeat(64)]);
    assert.deepEqual([b.policy_revision, b.data_revision], [REVISION, 'e'.repeat(64)]);
  });

  it('an invalid entry throws and leaves no gap in the chain', () => {
    const log = new AuditLog();
    log.append(decision(1));
    assert.throws(() => log.append({ ...decision(2), op: 'nope' } as never), (err) => isTaskguardError(err) && err.code === 'audit_invalid');
    assert.equal(log.append(decision(3)).seq, 2);
  });

  it('1000 concurrent appends from async code keep consecutive seqs, in call order, in the file', async () => {
    const file = tempLogFile();
    const log = await openAuditLog({ file, fsync: 'interval', intervalMs: 5 });
    const records = await Promise.all(Array.from({ length: 1000 }, async (_, i) => {
      await new Promise((resolve) => setImmediate(resolve));
      if (i % 7 === 0) await Promise.resolve();
      return log.append(decision(i));
    }));
    await log.close();
    const seqs = records.map((r) => r.seq).sort((a, b) => a - b);
    assert.deepEqual(seqs, Array.from({ length: 1000 }, (_, i) => i + 1));
    const lines = readLines(file).map((l) => JSON.parse(l) as AuditRecord);
    assert.deepEqual(lines.map((r) => r.seq), seqs);
    const result = await verifyAuditLog(file);
    assert.deepEqual([result.ok, result.records, result.lastSeq], [true, 1000, 1000]);
  });

  it('a throwing or rejecting listener breaks neither the chain nor the caller, and is reported once', async () => {
    const errors: TaskguardError[] = [];
    const file = tempLogFile();
    const log = await openAuditLog({ file, fsync: 'never', onError: (e) => errors.push(e) });
    const seen: number[] = [];
    log.onRecord(() => { throw new Error('forwarder down'); });
    log.onRecord(async () => { throw new Error('async forwarder down'); });
    const stop = log.onRecord((r) => void seen.push(r.seq));
    for (let i = 1; i <= 5; i++) assert.equal(log.append(decision(i)).seq, i);
    stop();
    log.append(decision(6));
    await log.close();
    assert.deepEqual(seen, [1, 2, 3, 4, 5]);
    assert.deepEqual(errors.map((e) => [e.code, e.message]).sort(), [
      ['audit_io', 'audit listener failed: async forwarder down'],
      ['audit_io', 'audit listener failed: forwarder down'],
    ]);
    assert.equal((await verifyAuditLog(file)).records, 6);
  });

  it('an onError that throws does not reach the caller either', () => {
    const log = new AuditLog({ onError: () => { throw new Error('bad handler'); } });
    log.onRecord(() => { throw new Error('x'); });
    assert.equal(log.append(decision(1)).seq, 1);
  });

  it('listeners get the record after the sink, in registration order, frozen', () => {
    const log = new AuditLog();
    const order: string[] = [];
    log.onRecord((r) => void order.push(`a${r.seq}`));
    log.onRecord((r) => {
      order.push(`b${r.seq}`);
      assert.throws(() => { (r as { allow: boolean }).allow = true; });
    });
    log.append(decision(3));
    assert.deepEqual(order, ['a1', 'b1']);
  });

  it('after close, append throws audit_io; close twice is fine', async () => {
    const log = await openAuditLog({ file: tempLogFile() });
    log.append(decision(1));
    await log.close();
    await log.close();
    assert.throws(() => log.append(decision(2)), (err) => isTaskguardError(err) && err.code === 'audit_io' && /closed/.test(err.message));
  });

  it('a sink that fails (disk full) makes the next append throw audit_io, rejects durability, and is reported once', { skip: !existsSync('/dev/full') }, async () => {
    const errors: TaskguardError[] = [];
    const sink = await FileSink.open('/dev/full', { fsync: 'always' });
    const log = new AuditLog({ sink, onError: (e) => errors.push(e) });
    log.append(decision(1));
    await assert.rejects(log.whenDurable(1), (err) => isTaskguardError(err) && err.code === 'audit_io');
    assert.throws(() => log.append(decision(2)), (err) => isTaskguardError(err) && err.code === 'audit_io' && /unavailable/.test(err.message));
    await assert.rejects(log.flush(), (err) => isTaskguardError(err) && err.code === 'audit_io');
    await log.close();
    assert.equal(errors.length, 1);
    assert.match(errors[0]?.message ?? '', /^cannot write audit log \/dev\/full: /);
  });
});
