import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { connectClients2026 } from '../../bench/load/clients-2026.js';
import { startHandWrittenServer } from '../../bench/load/guard-off-2026.js';
import { startGuarded2026Server } from '../../bench/load/guard-on-2026.js';
import { benchFixture, driveShortLoad } from './support.js';

/**
 * The load bench's raw-HTTP 2026-07-28 client (which shares its JSON/SSE answer reading with the 2025 one)
 * drives both 2026 servers of the bench: createTasksExtension on the SQLite store, and tasks by hand.
 */
const fixture = benchFixture('raw-client-2026');

describe('raw 2026-07-28 client in the bench loop', () => {
  it('completes tasks on the guarded v2 server (SQLite store), every probe of another tenant refused', async () => {
    const { recorder } = await driveShortLoad(fixture, () => startGuarded2026Server({
      publicJwk: fixture.identity.publicJwk, seed: 5, auditFile: path.join(fixture.dir, 'audit.jsonl'), storeFile: path.join(fixture.dir, 'tasks.db'),
    }), connectClients2026);
    assert.equal(recorder.probesRefused, recorder.probes);
  });

  it('completes tasks on the hand-written v2 server, whose tasks any caller can read', async () => {
    const { recorder } = await driveShortLoad(fixture, () => startHandWrittenServer({ publicJwk: fixture.identity.publicJwk, seed: 5 }), connectClients2026);
    assert.equal(recorder.crossTenantReads, recorder.probes);
  });
});
