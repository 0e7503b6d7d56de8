import { it } from 'node:test';
import assert from 'node:assert/strict';
import { TASK_STATUSES } from '../../src/decision/types.js';
import { alice, bob, completed, record, withStore, type MakeStore } from './contract-support.js';

const LIVE = ['working', 'input_required'] as const;

/** transition, recordResultRead, countLive, expired: compare-and-set and single reads under races. */
export function statusCases(make: MakeStore): void {
  it('keeps a terminal status final: compare-and-set from live statuses only', async () => {
    await withStore(make, async (store) => {
      await store.create(record('t'));
      const cancelled = await store.transition('t', LIVE, { status: 'cancelled' }, 2000);
      assert.equal(cancelled?.status, 'cancelled');
      assert.equal(cancelled?.updatedMs, 2000);
      const late = await store.transition('t', LIVE, { status: 'completed' }, 2001);
      assert.equal(late, undefined, 'completion after cancel loses');
      assert.equal((await store.get('t'))?.status, 'cancelled');
      // Even a caller that lists a terminal status as its "from" cannot move a terminal task.
      assert.equal(await store.transition('t', ['cancelled'], { status: 'working' }, 2002), undefined);
      assert.equal(await store.transition('t', TASK_STATUSES, { statusMessage: 'x' }, 2003), undefined);
      assert.equal((await store.get('t'))?.updatedMs, 2000);
      assert.equal(await store.transition('nope', LIVE, { status: 'cancelled' }, 2004), undefined);
    });
  });

  it('applies only the given patch fields, only from the listed statuses', async () => {
    await withStore(make, async (store) => {
      await store.create(record('t', alice, 1000, { statusMessage: 'starting' }));
      assert.equal(await store.transition('t', ['input_required'], { status: 'working' }, 1100), undefined);
      assert.equal((await store.get('t'))?.updatedMs, 1000, 'a failed compare-and-set writes nothing');
      const msg = await store.transition('t', LIVE, { statusMessage: 'halfway' }, 1200);
      assert.deepEqual(msg, record('t', alice, 1000, { statusMessage: 'halfway', updatedMs: 1200 }));
      const waiting = await store.transition('t', ['working'], { status: 'input_required' }, 1300);
      assert.equal(waiting?.status, 'input_required');
      assert.equal(waiting?.statusMessage, 'halfway');
      const done = await store.transition('t', LIVE, { status: 'completed', outcome: { kind: 'result', result: { ok: true } } }, 1400);
      assert.deepEqual(await store.get('t'), done);
      assert.deepEqual(done?.outcome, { kind: 'result', result: { ok: true } });
      assert.equal(done?.statusMessage, 'halfway');
    });
  });

  it('lets exactly one of a cancel and a completion racing on each task win, and the winner stays', async () => {
    await withStore(make, async (store) => {
      for (let i = 0; i < 20; i++) await store.create(record(`t${i}`, alice, 1000 + i, { status: i % 2 ? 'working' : 'input_required' }));
      for (let i = 0; i < 20; i++) {
        const id = `t${i}`;
        const race = [
          store.transition(id, LIVE, { status: 'cancelled', outcome: { kind: 'error', code: -32800, message: 'task was cancelled' } }, 2000),
          store.transition(id, LIVE, { status: 'completed', outcome: { kind: 'result', result: { i } } }, 2000),
          store.transition(id, LIVE, { status: 'failed', outcome: { kind: 'error', code: -32603, message: 'x' } }, 2000),
        ];
        // Alternate who is asked first, so neither side wins by position alone.
        if (i % 2) race.reverse();
        const results = await Promise.all(race);
        const winners = results.filter((r) => r !== undefined);
        assert.equal(winners.length, 1, id);
        const stored = await store.get(id);
        assert.deepEqual(stored, winners[0]);
        assert.equal(await store.transition(id, LIVE, { status: 'working' }, 3000), undefined);
        assert.deepEqual(await store.get(id), stored);
      }
    });
  });

  it('counts result reads, and lets exactly one of many racing single-reads succeed and drops the payload', async () => {
    await withStore(make, async (store) => {
      const { record: fresh } = await store.create(completed('many'));
      assert.equal((await store.recordResultRead('many', false))?.resultsRead, 1);
      const second = await store.recordResultRead('many', false);
      assert.equal(second?.resultsRead, 2);
      assert.ok(second?.outcome, 'counted reads keep the payload');
      assert.equal((await store.get('many'))?.updatedMs, fresh.updatedMs, 'a read changes nothing about the task: lastUpdatedAt stays');
      assert.equal(await store.recordResultRead('many', true), undefined, 'a single read after other reads fails');
      assert.ok((await store.get('many'))?.outcome);
      assert.equal(await store.recordResultRead('nope', false), undefined);
      assert.equal(await store.recordResultRead('nope', true), undefined);

      const outcome = { kind: 'result' as const, result: { content: [{ type: 'text', text: 'once' }] } };
      await store.create(record('once', bob, 1000, { status: 'completed', outcome }));
      const reads = await Promise.all(Array.from({ length: 16 }, (_, n) => store.recordResultRead('once', true)));
      const winners = reads.filter((r) => r !== undefined);
      assert.equal(winners.length, 1);
      assert.deepEqual(winners[0]?.outcome, outcome, 'the winner gets the result');
      assert.equal(winners[0]?.resultsRead, 1);
      const after = await store.get('once');
      assert.equal(after?.outcome, undefined);
      assert.equal(after?.revoked, true);
      assert.equal(after?.resultsRead, 1);
      assert.equal(await store.recordResultRead('once', true), undefined);
      // A later counted read (a policy that no longer asks for revocation) finds no payload either.
      const counted = await store.recordResultRead('once', false);
      assert.equal(counted?.outcome, undefined);
      assert.equal(counted?.resultsRead, 2);
    });
  });

  it('counts live tasks per owner: not terminal, not expired', async () => {
    await withStore(make, async (store) => {
      await store.create(record('w', alice, 0, { expiresMs: 5000 }));
      await store.create(record('i', alice, 0, { expiresMs: 5000, status: 'input_required' }));
      await store.create(record('c', alice, 0, { expiresMs: 5000, status: 'completed' }));
      await store.create(record('f', alice, 0, { expiresMs: 5000, status: 'failed' }));
      await store.create(record('x', alice, 0, { expiresMs: 5000, status: 'cancelled' }));
      await store.create(record('e', alice, 0, { expiresMs: 100 }));
      await store.create(record('b', bob, 0, { expiresMs: 5000 }));
      assert.equal(await store.countLive(alice, 100), 2);
      assert.equal(await store.countLive(alice, 99), 3);
      assert.equal(await store.countLive(bob, 100), 1);
      await store.transition('w', LIVE, { status: 'completed' }, 200);
      assert.equal(await store.countLive(alice, 200), 1);
      assert.equal(await store.countLive(alice, 5000), 0);
    });
  });

  it('sweeps expired tasks in bounded batches, whatever their status', async () => {
    await withStore(make, async (store) => {
      for (let i = 0; i < 7; i++) await store.create(record(`e${i}`, i % 2 ? alice : bob, 0, { expiresMs: 10 + i, status: i % 3 ? 'working' : 'completed' }));
      await store.create(record('live', alice, 0, { expiresMs: 5000 }));
      const first = await store.expired(100, 3);
      assert.equal(first.length, 3);
      assert.equal(new Set(first).size, 3);
      assert.deepEqual(await store.expired(100, 0), []);
      const all: string[] = [];
      for (let batch = await store.expired(100, 3); batch.length > 0; batch = await store.expired(100, 3)) {
        for (const id of batch) assert.equal(await store.delete(id), true);
        all.push(...batch);
      }
      assert.deepEqual(all.sort(), ['e0', 'e1', 'e2', 'e3', 'e4', 'e5', 'e6']);
      assert.deepEqual(await store.expired(4999, 10), []);
      assert.deepEqual(await store.expired(5000, 10), ['live']);
    });
  });
}
