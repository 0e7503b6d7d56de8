// The real `taskguard serve` with a small audit rotation and retention, under a real SDK client: the host
// rotates and deletes as configured, says so on stderr, and `taskguard audit verify` passes on what is kept.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { runTaskguard, startHost, type HostProcess } from './support/host-process.js';
import { connect } from './support/sdk.js';

describe('taskguard serve: audit rotation and retention', () => {
  const hosts: HostProcess[] = [];
  const clients: Client[] = [];
  after(async () => {
    for (const c of clients) await c.close().catch(() => {});
    for (const h of hosts) await h.dispose().catch(() => {});
  });

  it('rotates at max_bytes, keeps max_files rotated files, logs each step, and the kept series verifies', async () => {
    const host = await startHost({ config: { audit: { kind: 'file', rotate: { max_bytes: 2048 }, retain: { max_files: 2 } } } });
    hosts.push(host);
    const alice = await connect(host.url, await host.token({ sub: 'alice', scope: 'reports:read', role: 'analyst' }), clients);
    for (let i = 0; i < 12; i++) {
      await alice.request({ method: 'tools/call', params: { name: 'lookup', arguments: { q: `handbook ${i}` } } }, CallToolResultSchema);
    }
    await alice.close();
    const stopped = await host.stop();
    assert.equal(stopped.code, 0, stopped.stderr);

    const rotatedLines = stopped.stderr.split('\n').filter((l) => l.startsWith('taskguard: audit log: rotated audit.jsonl to '));
    const deletedLines = stopped.stderr.split('\n').filter((l) => /^taskguard: audit log: retention deleted audit\.\d{16}\..*\.jsonl \(seq \d+ to \d+\): beyond the 2 newest rotated files$/.test(l));
    assert.ok(rotatedLines.length >= 3, stopped.stderr);
    assert.equal(deletedLines.length, rotatedLines.length - 2, stopped.stderr);
    const names = readdirSync(host.stateDir);
    assert.equal(names.filter((n) => /^audit\.\d{16}\..*\.jsonl$/.test(n)).length, 2);
    assert.ok(names.includes('audit.jsonl.checkpoint'));

    const verified = await runTaskguard(['audit', 'verify', host.stateDir]);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    const out = verified.stdout.trim().split('\n');
    assert.match(out[0] ?? '', /^pruned: the records before seq \d+ were deleted by retention \(audit\.jsonl\.checkpoint\)$/);
    assert.match(out.at(-1) ?? '', /^ok: 3 files, \d+ records, last seq \d+, last hash [0-9a-f]{64}$/);
  });
});
