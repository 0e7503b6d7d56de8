import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { headFileOf } from '../../src/audit/head.js';
import { hashRecord } from '../../src/audit/record.js';
import { verifyAuditLog, type AuditProblem } from '../../src/audit/verify.js';
import { isTaskguardError } from '../../src/errors.js';
import { readLines, tempLogFile, writeLines, writeLog } from './helpers.js';

type Json = Record<string, unknown>;

/** Writes a fresh 10-record log, applies `change` to its lines, and verifies it. */
async function tampered(change: (lines: string[]) => string[], head: 'sidecar' | 'none' = 'sidecar') {
  const file = await writeLog(10);
  writeLines(file, change(readLines(file)));
  return verifyAuditLog(file, { head });
}

function edit(line: string, change: (r: Json) => void, rehash = false): string {
  const r = JSON.parse(line) as Json;
  change(r);
  if (rehash) r['hash'] = hashRecord(r);
  return JSON.stringify(r);
}

function problem(p: AuditProblem | undefined): [number, number | undefined, string] {
  assert.ok(p, 'expected a problem');
  return [p.line, p.seq, p.kind];
}

describe('audit verify', () => {
  it('an untouched log verifies, against its head', async () => {
    const file = await writeLog(10);
    const lines = readLines(file);
    const last = JSON.parse(lines[9] ?? '') as Json;
    assert.deepEqual(await verifyAuditLog(file), { ok: true, records: 10, lastSeq: 10, lastHash: last['hash'], headChecked: true });
  });

  it('an edited field of a middle record: edited, at that line', async () => {
    const r = await tampered((l) => l.map((x, i) => (i === 4 ? edit(x, (rec) => { rec['allow'] = !rec['allow']; }) : x)));
    assert.deepEqual(problem(r.problem), [5, 5, 'edited']);
    assert.match(r.problem?.detail ?? '', /hash does not match/);
    assert.deepEqual([r.ok, r.records, r.lastSeq], [false, 4, 4]);
  });

  it('an edited record whose hash was recomputed: edited, caught by the next record\'s prev_hash', async () => {
    const r = await tampered((l) => l.map((x, i) => (i === 4 ? edit(x, (rec) => { rec['tool'] = 'innocent'; }, true) : x)));
    assert.deepEqual(problem(r.problem), [5, 5, 'edited']);
    assert.match(r.problem?.detail ?? '', /prev_hash of the next record \(line 6\).*rehashed/);
    assert.equal(r.records, 4);
  });

  it('a deleted middle line: removed, with how many', async () => {
    const one = await tampered((l) => l.filter((_, i) => i !== 4));
    assert.deepEqual(problem(one.problem), [5, 6, 'removed']);
    assert.equal(one.problem?.detail, 'seq jumps from 4 to 6: 1 record missing');
    const three = await tampered((l) => l.filter((_, i) => i < 3 || i > 5));
    assert.equal(three.problem?.detail, 'seq jumps from 3 to 7: 3 records missing');
  });

  it('a deleted first line: removed at line 1', async () => {
    const r = await tampered((l) => l.slice(1));
    assert.deepEqual(problem(r.problem), [1, 2, 'removed']);
  });

  it('two swapped lines: reordered, not removed', async () => {
    const r = await tampered((l) => { const c = [...l]; [c[4], c[5]] = [c[5] as string, c[4] as string]; return c; });
    assert.deepEqual(problem(r.problem), [5, 6, 'reordered']);
    assert.equal(r.problem?.detail, 'seq 6 comes before seq 5 (line 6)');
  });

  it('a line moved to the end: reordered at its old place', async () => {
    const r = await tampered((l) => [...l.filter((_, i) => i !== 2), l[2] as string]);
    assert.deepEqual(problem(r.problem), [3, 4, 'reordered']);
  });

  it('a duplicated line: reordered (seq not above the previous)', async () => {
    const r = await tampered((l) => [...l.slice(0, 5), l[4] as string, ...l.slice(5)]);
    assert.deepEqual(problem(r.problem), [6, 5, 'reordered']);
    assert.equal(r.problem?.detail, 'seq 5 comes after seq 5');
  });

  it('a last line cut mid-json: truncated', async () => {
    const file = await writeLog(10);
    const text = readFileSync(file, 'utf8');
    truncateSync(file, Buffer.byteLength(text) - 40);
    const r = await verifyAuditLog(file);
    assert.deepEqual(problem(r.problem), [10, undefined, 'truncated']);
    assert.deepEqual([r.records, r.lastSeq], [9, 9]);
  });

  it('a complete last record without its newline: truncated too (the write did not finish)', async () => {
    const file = await writeLog(3);
    truncateSync(file, Buffer.byteLength(readFileSync(file, 'utf8')) - 1);
    assert.deepEqual(problem((await verifyAuditLog(file)).problem), [3, undefined, 'truncated']);
  });

  it('a removed last whole line: invisible to the chain, truncated by the sidecar head', async () => {
    const withHead = await tampered((l) => l.slice(0, -1));
    assert.deepEqual(problem(withHead.problem), [10, 10, 'truncated']);
    assert.equal(withHead.problem?.detail, 'log ends at seq 9 but its head is seq 10: 1 record cut from the end');
    const without = await tampered((l) => l.slice(0, -1), 'none');
    assert.deepEqual([without.ok, without.records, without.headChecked], [true, 9, false]);
  });

  it('an edited and rehashed last record: head_mismatch', async () => {
    const r = await tampered((l) => l.map((x, i) => (i === 9 ? edit(x, (rec) => { rec['task_id'] = 'other'; }, true) : x)));
    assert.deepEqual(problem(r.problem), [10, 10, 'head_mismatch']);
  });

  it('checks against a head given by the caller', async () => {
    const file = await writeLog(5);
    const lines = readLines(file).map((l) => JSON.parse(l) as { seq: number; hash: string });
    const third = lines[2] as { seq: number; hash: string };
    assert.equal((await verifyAuditLog(file, { head: { seq: 3, hash: third.hash } })).ok, true);
    assert.deepEqual(problem((await verifyAuditLog(file, { head: { seq: 3, hash: 'f'.repeat(64) } })).problem), [3, 3, 'head_mismatch']);
    assert.deepEqual(problem((await verifyAuditLog(file, { head: { seq: 8, hash: third.hash } })).problem), [6, 6, 'truncated']);
  });

  it('a head file that is not a head: head_mismatch at line 0', async () => {
    const file = await writeLog(2);
    writeFileSync(headFileOf(file), '{"seq": "two"}');
    assert.deepEqual(problem((await verifyAuditLog(file)).problem), [0, undefined, 'head_mismatch']);
  });

  it('malformed lines: not json, an empty line, a missing field, a __proto__ key', async () => {
    const notJson = await tampered((l) => l.map((x, i) => (i === 2 ? 'hello' : x)));
    assert.deepEqual(problem(notJson.problem), [3, undefined, 'malformed']);
    const empty = await tampered((l) => [...l.slice(0, 2), '', ...l.slice(2)]);
    assert.deepEqual(problem(empty.problem), [3, undefined, 'malformed']);
    const missing = await tampered((l) => l.map((x, i) => (i === 3 ? edit(x, (rec) => { delete rec['prev_hash']; }) : x)));
    assert.deepEqual(problem(missing.problem), [4, 4, 'malformed']);
    assert.equal(missing.problem?.detail, 'prev_hash is not 64 hex digits');
    const proto = await tampered((l) => l.map((x, i) => (i === 3 ? x.replace('"principal":{', '"principal":{"__proto__":{"note":"x"},') : x)));
    assert.deepEqual(problem(proto.problem), [4, 4, 'malformed']);
  });

  it('a first record whose prev_hash is not genesis, or a seq changed with its hash: edited', async () => {
    const first = await tampered((l) => l.map((x, i) => (i === 0 ? edit(x, (rec) => { rec['prev_hash'] = '1'.repeat(64); }, true) : x)));
    assert.deepEqual(problem(first.problem), [1, 1, 'edited']);
    const seq = await tampered((l) => l.map((x, i) => (i === 9 ? edit(x, (rec) => { rec['seq'] = 12; }, true) : x)), 'none');
    assert.deepEqual(problem(seq.problem), [10, 12, 'edited']);
  });

  it('text appended after a verified log without a newline: truncated', async () => {
    const file = await writeLog(2);
    appendFileSync(file, '{"seq":3');
    assert.deepEqual(problem((await verifyAuditLog(file)).problem), [3, undefined, 'truncated']);
  });

  it('a missing log file is an audit_io error, not a verdict', async () => {
    await assert.rejects(verifyAuditLog(tempLogFile()), (err) => isTaskguardError(err) && err.code === 'audit_io');
  });

  it('streams a large log', async () => {
    const file = await writeLog(20000);
    const r = await verifyAuditLog(file);
    assert.deepEqual([r.ok, r.records], [true, 20000]);
  });
});
