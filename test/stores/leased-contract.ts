import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ORPHAN_ERROR_CODE, ORPHAN_STATUS_MESSAGE, type LeasedTaskStore } from '../../src/stores/types.js';
import { alice, bob, completed, record } from './contract-support.js';

/** Two handles on one shared store, as two host processes would hold: what one writes, the other sees. */
export interface StorePair {
  a: LeasedTaskStore;
  b: LeasedTaskStore;
  close(): Promise<void>;
}

const LIVE = ['working', 'input_required'] as const;

async function withPair(make: () => Promise<StorePair>, body: (a: LeasedTaskStore, b: LeasedTaskStore) => Promise<void>): Promise<void> {
  const pair = await make();
  try {
    await body(pair.a, pair.b);
  } finally {
    await pair.close();
  }
}

/** LeasedTaskStore: claims, renewals and recovery of the tasks of a host that stopped. */
export function describeLeasedTaskStoreContract(name: string, makePair: () => Promise<StorePair>): void {
  describe(`${name}: LeasedTaskStore contract`, () => {
    it('claims a live task for one instance only', async () => {
      await withPair(makePair, async (a, b) => {
        await a.create(record('t'));
        await a.create(completed('done'));
        assert.equal(await a.claim('t', 'host-a', 1000, 0), true);
        assert.equal(await a.claim('t', 'host-a', 1000, 500), true, 'claiming again extends its own lease');
        assert.equal(await b.claim('t', 'host-b', 1000, 600), false, 'another instance cannot take it');
        assert.equal(await b.claim('t', 'host-b', 1000, 5000), false, 'not even after the lease lapsed: that is an orphan');
        assert.equal(await a.claim('done', 'host-a', 1000, 0), false, 'a terminal task runs nowhere');
        assert.equal(await a.claim('nope', 'host-a', 1000, 0), false);
        // Claims are the hosts' business: the record the policy sees is unchanged.
        assert.deepEqual(await b.get('t'), record('t'));
      });
    });

    it('renews the leases of one instance\'s live tasks only', async () => {
      await withPair(makePair, async (a, b) => {
        for (const id of ['a1', 'a2', 'a3']) {
          await a.create(record(id));
          await a.claim(id, 'host-a', 1000, 0);
        }
        await b.create(record('b1', bob));
        await b.claim('b1', 'host-b', 1000, 0);
        await a.transition('a3', LIVE, { status: 'completed' }, 100);
        assert.deepEqual((await a.renewLeases('host-a', 1000, 900)).sort(), ['a1', 'a2'], 'a3 finished: its work is done');
        assert.deepEqual(await a.renewLeases('host-nobody', 1000, 900), []);
        // host-a renewed to 1900; host-b did not renew and its lease ended at 1000.
        assert.deepEqual((await a.recoverOrphans(1500, 10)).map((r) => r.id), ['b1']);
        assert.deepEqual((await b.recoverOrphans(1900, 10)).map((r) => r.id).sort(), ['a1', 'a2']);
      });
    });

    it('fails the tasks of a host that claimed and never renewed, once, and keeps them failed', async () => {
      await withPair(makePair, async (dead, alive) => {
        for (let i = 0; i < 3; i++) {
          await dead.create(record(`d${i}`, alice, 0, { expiresMs: 60_000, status: i === 2 ? 'input_required' : 'working' }));
          assert.equal(await dead.claim(`d${i}`, 'host-dead', 1000, 0), true);
        }
        await dead.create(completed('d-done'));
        await dead.claim('d-done', 'host-dead', 1000, 0);
        await alive.create(record('a0', bob, 0, { expiresMs: 60_000 }));
        await alive.claim('a0', 'host-alive', 1000, 0);
        await alive.create(record('unclaimed', bob, 0, { expiresMs: 60_000 }));
        assert.deepEqual(await alive.renewLeases('host-alive', 1000, 800), ['a0']);
        assert.equal(await dead.countLive(alice, 500), 3);

        assert.deepEqual(await alive.recoverOrphans(999, 100), [], 'nothing lapsed yet');
        const recovered = await alive.recoverOrphans(1000, 100);
        assert.deepEqual(recovered.map((r) => r.id).sort(), ['d0', 'd1', 'd2']);
        for (const r of recovered) {
          assert.equal(r.status, 'failed');
          assert.equal(r.statusMessage, ORPHAN_STATUS_MESSAGE);
          assert.deepEqual(r.outcome, { kind: 'error', code: ORPHAN_ERROR_CODE, message: ORPHAN_STATUS_MESSAGE });
          assert.equal(r.updatedMs, 1000);
          assert.deepEqual(r.owner, alice, 'still bound to its owner');
          assert.deepEqual(await dead.get(r.id), r, 'the other handle sees the same');
        }
        assert.deepEqual(await alive.recoverOrphans(1000, 100), [], 'each orphan is recovered once');
        assert.equal(await alive.countLive(alice, 1000), 0);
        assert.equal((await alive.get('d-done'))?.status, 'completed', 'a finished task is not an orphan');
        assert.equal((await alive.get('a0'))?.status, 'working', 'a renewed lease is not lapsed');
        assert.equal((await alive.get('unclaimed'))?.status, 'working', 'an unclaimed task is nobody\'s orphan');

        // The dead host, had it only stalled, cannot undo that: its completion and renewals find nothing.
        assert.equal(await dead.transition('d0', LIVE, { status: 'completed', outcome: { kind: 'result', result: {} } }, 1100), undefined);
        assert.deepEqual(await dead.renewLeases('host-dead', 1000, 1100), [], 'so its worker learns to stop');
        assert.equal((await alive.get('d0'))?.status, 'failed');
        const read = await alive.recordResultRead('d0', false);
        assert.deepEqual(read?.outcome, { kind: 'error', code: ORPHAN_ERROR_CODE, message: ORPHAN_STATUS_MESSAGE });
      });
    });

    it('creates a task already claimed, so a host dying right after the create leaves no unclaimed task', async () => {
      await withPair(makePair, async (a, b) => {
        const created = await a.create(record('t', alice, 0, { expiresMs: 60_000 }), { instanceId: 'host-a', leaseUntilMs: 1000 });
        assert.deepEqual(created.record, record('t', alice, 0, { expiresMs: 60_000 }), 'the lease is not part of the record');
        assert.deepEqual(await b.get('t'), created.record);
        assert.equal(await b.claim('t', 'host-b', 1000, 10), false, 'it is host-a\'s');
        assert.deepEqual(await a.renewLeases('host-a', 1000, 500), ['t']);
        assert.deepEqual(await b.recoverOrphans(1499, 10), []);
        assert.deepEqual((await b.recoverOrphans(1500, 10)).map((r) => r.id), ['t'], 'host-a went silent after renewing');
        // A keyed retry that finds its task changes nothing about who holds it.
        const keyed = record('k', alice, 0, { expiresMs: 60_000, idempotency: { key: 'key', digest: 'd' } });
        await a.create(keyed, { instanceId: 'host-a', leaseUntilMs: 5000 });
        const retry = await b.create({ ...keyed, id: 'k2' }, { instanceId: 'host-b', leaseUntilMs: 9000 });
        assert.equal(retry.created, false);
        assert.deepEqual(await b.renewLeases('host-b', 1000, 100), []);
        assert.deepEqual(await a.renewLeases('host-a', 1000, 100), ['k']);
      });
    });

    it('leaves a task cancelled through one handle out of the other\'s renewal, so its worker stops', async () => {
      await withPair(makePair, async (a, b) => {
        await a.create(record('t', alice, 0, { expiresMs: 60_000 }));
        await a.create(record('u', alice, 1, { expiresMs: 60_000 }));
        await a.claim('t', 'host-a', 1000, 0);
        await a.claim('u', 'host-a', 1000, 0);
        assert.ok(await b.transition('t', LIVE, { status: 'cancelled' }, 10));
        assert.ok(await b.delete('u'));
        assert.deepEqual(await a.renewLeases('host-a', 1000, 20), []);
      });
    });

    it('recovers in bounded batches, and racing recoverers never settle an orphan twice', async () => {
      await withPair(makePair, async (a, b) => {
        for (let i = 0; i < 25; i++) {
          await a.create(record(`o${String(i).padStart(2, '0')}`, alice, 0, { expiresMs: 60_000 }));
          await a.claim(`o${String(i).padStart(2, '0')}`, 'host-dead', 100 + i, 0);
        }
        const first = await a.recoverOrphans(1000, 4);
        assert.equal(first.length, 4);
        const seen = first.map((r) => r.id);
        for (let round = 0; round < 20; round++) {
          const [fromA, fromB] = await Promise.all([a.recoverOrphans(1000, 3), b.recoverOrphans(1000, 3)]);
          seen.push(...fromA.map((r) => r.id), ...fromB.map((r) => r.id));
          if (fromA.length === 0 && fromB.length === 0) break;
        }
        assert.equal(seen.length, 25);
        assert.equal(new Set(seen).size, 25);
        assert.deepEqual(await b.recoverOrphans(1000, 100), []);
      });
    });
  });
}
