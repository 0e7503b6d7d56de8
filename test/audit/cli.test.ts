import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, rmSync } from 'node:fs';
import { runCli as run } from '../support/run-cli.js';
import { headFileOf } from '../../src/audit/head.js';
import type { AuditRecord } from '../../src/audit/record.js';
import { readLines, tempLogFile, writeLines, writeLog } from './helpers.js';


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
    assert.match(r.out, /taskguard audit verify FILE \[--head sidecar\|none\|SEQ:HASH\]\s+verify an audit log's hash chain and head/);
  });
});
