import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectClients2026 } from '../../bench/load/clients-2026.js';
import { runLoad, type LoadShape } from '../../bench/load/generator.js';
import { startHandWrittenServer } from '../../bench/load/guard-off-2026.js';
import { startGuarded2026Server } from '../../bench/load/guard-on-2026.js';
import { createIdentity, type RunIdentity } from '../../bench/load/identity.js';
import type { RunningServer } from '../../bench/load/server.js';

/**
 * The load bench's raw-HTTP 2026-07-28 client (which shares its JSON/SSE answer reading with the 2025 one)
 * drives both 2026 servers of the bench: createTasksExtension on the SQLite store, and tasks by hand.
 */
let identity: RunIdentity;
let dir: string;

before(async () => {
  identity = await createIdentity(4, 2, 600);
  dir = mkdtempSync(path.join(os.tmpdir(), 'taskguard-raw-client-2026-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const shape: LoadShape = { clients: 4, warmupMs: 100, measureMs: 1200, probeShare: 0.2, pollMinMs: 20, pollMaxMs: 40, docBytes: 512, ttlMs: 60_000, seed: 5 };
const hooks = { onMeasureStart: async () => {}, onMeasureEnd: async () => {} };

describe('raw 2026-07-28 client in the bench loop', () => {
  it('completes tasks on the guarded v2 server (SQLite store), every probe of another tenant refused', async () => {
    const server = await startGuarded2026Server({ publicJwk: identity.publicJwk, seed: 5, auditFile: path.join(dir, 'audit.jsonl'), storeFile: path.join(dir, 'tasks.db') });
    try {
      const outcome = await runLoad(server.url, connectClients2026, identity.users, shape, hooks, () => {});
      assert.ok(outcome.recorder.completed > 0, 'no task completed in the window');
      assert.deepEqual(outcome.recorder.errorKinds(), []);
      assert.ok(outcome.recorder.probes > 0);
      assert.equal(outcome.recorder.probesRefused, outcome.recorder.probes);
    } finally {
      await server.close();
    }
  });

  it('completes tasks on the hand-written v2 server, whose tasks any caller can read', async () => {
    const server: RunningServer = await startHandWrittenServer({ publicJwk: identity.publicJwk, seed: 5 });
    try {
      const outcome = await runLoad(server.url, connectClients2026, identity.users, shape, hooks, () => {});
      assert.ok(outcome.recorder.completed > 0, 'no task completed in the window');
      assert.deepEqual(outcome.recorder.errorKinds(), []);
      assert.ok(outcome.recorder.probes > 0);
      assert.equal(outcome.recorder.crossTenantReads, outcome.recorder.probes);
    } finally {
      await server.close();
    }
  });
});
