import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runLoad, type ConnectClients, type LoadOutcome, type LoadShape } from '../../bench/load/generator.js';
import { createIdentity, type RunIdentity } from '../../bench/load/identity.js';
import type { RunningServer } from '../../bench/load/server.js';

/** What the load client tests share: a run identity (4 users over 2 tenants), a temp folder, a short loop. */
export interface BenchFixture {
  identity: RunIdentity;
  dir: string;
}

/** Registers the suite's hooks; the fields are set once `before` has run. */
export function benchFixture(name: string): BenchFixture {
  const fixture = {} as BenchFixture;
  before(async () => {
    fixture.identity = await createIdentity(4, 2, 600);
    fixture.dir = mkdtempSync(path.join(os.tmpdir(), `taskguard-${name}-`));
  });
  after(() => rmSync(fixture.dir, { recursive: true, force: true }));
  return fixture;
}

/** Four clients for a little over a second, polling fast, a fifth of the polls probing another tenant's task. */
const SHORT_SHAPE: LoadShape = { clients: 4, warmupMs: 100, measureMs: 1200, probeShare: 0.2, pollMinMs: 20, pollMaxMs: 40, docBytes: 512, ttlMs: 60_000, seed: 5 };
const NO_HOOKS = { onMeasureStart: async () => {}, onMeasureEnd: async () => {} };

/** Runs the bench's loop against a server it starts and closes; the outcome has tasks, no errors and probes. */
export async function driveShortLoad(fixture: BenchFixture, start: () => Promise<RunningServer>, connect: ConnectClients): Promise<LoadOutcome> {
  const server = await start();
  try {
    const outcome = await runLoad(server.url, connect, fixture.identity.users, SHORT_SHAPE, NO_HOOKS, () => {});
    // A task counts once its result was read and named its own document.
    assert.ok(outcome.recorder.completed > 0, 'no task completed in the window');
    assert.deepEqual(outcome.recorder.errorKinds(), []);
    assert.equal(outcome.unfinishedLoops, 0);
    assert.ok(outcome.recorder.probes > 0);
    return outcome;
  } finally {
    await server.close();
  }
}
