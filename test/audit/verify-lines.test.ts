import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { redact } from '../../src/util/pg-errors.js';
import type { AuditRecord } from '../../src/audit/record.js';
import { verifyAuditLines, verifyAuditLog } from '../../src/audit/verify.js';
import { isTaskguardError } from '../../src/errors.js';
import { readLines, writeLog } from './helpers.js';

async function* slowly<T>(items: T[]): AsyncIterable<T> {
  for (const item of items) {
    await new Promise((resolve) => setImmediate(resolve));
    yield item;
  }
}

describe('verifyAuditLines', () => {
  it('gives the same verdict as verifyAuditLog for the same lines, from an array or an async source', async () => {
    const file = await writeLog(8);
    const lines = readLines(file);
    const last = JSON.parse(lines[7] ?? '') as AuditRecord;
    const head = { seq: 8, hash: last.hash };
    const expected = await verifyAuditLog(file, { head });
    assert.deepEqual(await verifyAuditLines(lines, head), expected);
    assert.deepEqual(await verifyAuditLines(slowly(lines), head), expected);
    assert.deepEqual(await verifyAuditLines(lines), { ...expected, headChecked: false });
  });

  it('reports problems where the source says records sit', async () => {
    const lines = readLines(await writeLog(6));
    const rows = lines.map((line, i) => ({ pos: i + 1, line })).filter((r) => r.pos !== 3);
    const r = await verifyAuditLines(rows);
    assert.deepEqual(r.problem, { line: 4, seq: 4, kind: 'removed', detail: 'seq jumps from 2 to 4: 1 record missing' });
    // Plain strings sit one after another: the same gap is then at the third place.
    assert.equal((await verifyAuditLines(rows.map((x) => x.line))).problem?.line, 3);
  });

  it('catches records cut from the end against the head, and rejects a malformed head', async () => {
    const lines = readLines(await writeLog(5));
    const last = JSON.parse(lines[4] ?? '') as AuditRecord;
    const r = await verifyAuditLines(lines.slice(0, 3), { seq: 5, hash: last.hash });
    assert.deepEqual([r.problem?.line, r.problem?.seq, r.problem?.kind], [4, 4, 'truncated']);
    await assert.rejects(verifyAuditLines(lines, { seq: 5, hash: 'nope' }), (err: unknown) => isTaskguardError(err) && err.code === 'audit_invalid');
  });

  it('an empty source is an empty, valid chain', async () => {
    assert.deepEqual(await verifyAuditLines([]), { ok: true, records: 0, lastSeq: 0, lastHash: '0'.repeat(64), headChecked: false });
  });
});

describe('postgres error redaction', () => {
  it('removes the connection string, its password and any URL credentials', () => {
    const url = 'postgresql://audit:Hunter2-pw@db.internal:5432/taskguard?sslmode=require';
    assert.equal(redact(`could not connect to ${url}`, url), 'could not connect to [redacted]');
    assert.equal(redact('auth failed for Hunter2-pw', url), 'auth failed for [redacted]');
    assert.equal(redact('see postgres://other:pw@host/db', url), 'see postgres://[redacted]@host/db');
    assert.equal(redact('host=x password=abc user=y', 'host=x password=abc user=y'), '[redacted]');
    assert.equal(redact('password=abc', 'host=x'), 'password=[redacted]');
  });
});
