import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openAuditLog, verifyAuditLog, verifyAuditSeries, hashRecord } from '../../src/audit/index.js';
import { startStack, waitForStatus } from '../support/stack.js';
import { NOT_FOUND, rpcError } from './helpers.js';

/**
 * An attacker who gets at the audit file and edits away the trace of a denied attempt is caught by
 * verifyAuditLog: the guard's records go through a real hash-chained file audit log.
 */

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'taskguard-attacks-audit-'));
  dirs.push(dir);
  return dir;
}

function readLines(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  assert.ok(text.endsWith('\n'));
  return text.slice(0, -1).split('\n');
}

/** A copy of the log and its head sidecar, so each tampering starts from the same real log. */
function copyLog(file: string, dir: string, name: string): string {
  const copy = path.join(dir, name);
  copyFileSync(file, copy);
  copyFileSync(`${file}.head`, `${copy}.head`);
  return copy;
}

describe('attacks on the audit log', () => {
  it('an edited record (a denied attempt rewritten as allowed) is caught by verify at its line; an unedited copy verifies', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'audit.jsonl');
    const log = await openAuditLog({ file, fsync: 'never' });
    const stack = await startStack({ audit: log });
    const token = await stack.token({ sub: 'alice' });
    let taskId: string;
    try {
      const alice = await stack.connect({ token });
      ({ taskId } = await alice.createTask('convert_document', { text: 'audited' }));
      await waitForStatus(alice, taskId, 'completed');
      await alice.result(taskId);
      // The attempt the attacker wants gone from the record.
      const bob = await stack.connect({ sub: 'bob' });
      assert.deepEqual(await rpcError(bob.getTask(taskId)), NOT_FOUND);
      // More activity after it, so the record sits in the middle of the chain.
      await alice.getTask(taskId);
      await alice.list();
    } finally {
      await stack.close();
      await log.close();
    }

    // The file holds exactly what the guard recorded, in order, and never the token.
    const lines = readLines(file);
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(records.length, stack.audit.length);
    records.forEach((r, i) => {
      const entry = stack.audit[i];
      assert.deepEqual([r['seq'], r['kind'], r['op'], r['event'], r['task_id']], [i + 1, entry?.kind, entry?.op, entry?.event, entry?.task_id]);
    });
    const text = readFileSync(file, 'utf8');
    for (const part of [token, ...token.split('.')]) assert.equal(text.includes(part), false, 'the audit log holds the token');

    const untouched = copyLog(file, dir, 'untouched.jsonl');
    const rehashed = copyLog(file, dir, 'rehashed.jsonl');
    const index = records.findIndex((r) => r['kind'] === 'decision' && r['op'] === 'get' && r['allow'] === false
      && (r['principal'] as { sub?: string } | null)?.sub === 'bob' && r['task_id'] === taskId);
    assert.ok(index > 0 && index < records.length - 1, 'bob\'s denied get is a middle record');
    const line = index + 1;

    const coverUp = (r: Record<string, unknown>): Record<string, unknown> => ({ ...r, allow: true, reasons: [] });

    // Edited in place.
    writeFileSync(file, lines.map((l, i) => `${i === index ? JSON.stringify(coverUp(JSON.parse(l) as Record<string, unknown>)) : l}\n`).join(''));
    const edited = await verifyAuditLog(file);
    assert.equal(edited.ok, false);
    assert.deepEqual(edited.problem, { line, seq: line, kind: 'edited', detail: 'hash does not match the record\'s content' });
    assert.equal(edited.records, index);

    // Edited and given a fresh hash of its own: the next record's prev_hash still names the original.
    writeFileSync(rehashed, lines.map((l, i) => {
      if (i !== index) return `${l}\n`;
      const changed = coverUp(JSON.parse(l) as Record<string, unknown>);
      return `${JSON.stringify({ ...changed, hash: hashRecord(changed) })}\n`;
    }).join(''));
    const relinked = await verifyAuditLog(rehashed);
    assert.equal(relinked.ok, false);
    assert.equal(relinked.problem?.line, line);
    assert.equal(relinked.problem?.seq, line);
    assert.equal(relinked.problem?.kind, 'edited');

    // The untouched copy verifies, end to end and against its head.
    const clean = await verifyAuditLog(untouched);
    assert.deepEqual({ ok: clean.ok, records: clean.records, lastSeq: clean.lastSeq, headChecked: clean.headChecked, problem: clean.problem },
      { ok: true, records: records.length, lastSeq: records.length, headChecked: true, problem: undefined });
  });

  it('a rotated file holding a denied attempt, deleted from the series, is caught by verify at the next file; the host will not continue it', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'audit.jsonl');
    const log = await openAuditLog({ file, fsync: 'never', rotate: { maxBytes: 1500 } });
    const stack = await startStack({ audit: log });
    try {
      const alice = await stack.connect({ sub: 'alice' });
      const { taskId } = await alice.createTask('convert_document', { text: 'audited' });
      await waitForStatus(alice, taskId, 'completed');
      const bob = await stack.connect({ sub: 'bob' });
      assert.deepEqual(await rpcError(bob.getTask(taskId)), NOT_FOUND);
      await alice.getTask(taskId);
      await alice.list();
      await alice.result(taskId);
    } finally {
      await stack.close();
      await log.close();
    }
    const series = [...readdirSync(dir).filter((n) => /^audit\.\d{16}\..*\.jsonl$/.test(n)).sort().map((n) => path.join(dir, n)), file];
    const holding = series.findIndex((f) => readLines(f).some((l) => {
      const r = JSON.parse(l) as Record<string, unknown>;
      return r['allow'] === false && (r['principal'] as { sub?: string } | null)?.sub === 'bob';
    }));
    assert.ok(holding >= 0 && holding < series.length - 1, 'bob\'s denied get sits in a rotated file');
    assert.equal((await verifyAuditSeries(file)).ok, true);

    rmSync(series[holding] ?? '');
    const r = await verifyAuditSeries(file);
    assert.deepEqual([r.ok, r.problemFile, r.problem?.line, r.problem?.kind], [false, path.basename(series[holding + 1] ?? ''), 1, 'removed']);
    await assert.rejects(openAuditLog({ file }), (err: unknown) => err instanceof Error && /refusing to continue its chain/.test(err.message));
  });
});
