import { it } from 'node:test';
import assert from 'node:assert/strict';
import { alice, aliceAtGlobex, aliceViaCli, bob, record, withStore, type MakeStore } from './contract-support.js';

const keyed = (id: string, owner = alice, key = 'k-1', digest = 'd-1') => record(id, owner, 1000, { expiresMs: 60_000, idempotency: { key, digest } });

/** Idempotent creation: one task per owner and key, atomically, and never another owner's. */
export function idempotencyCases(make: MakeStore): void {
  it('stores the first create with a key and returns that task to every retry, with the key and digest', async () => {
    await withStore(make, async (store) => {
      const first = await store.create(keyed('t1'));
      assert.deepEqual(first, { created: true, record: keyed('t1') });
      const retry = await store.create(keyed('t2', alice, 'k-1', 'd-other'));
      assert.equal(retry.created, false);
      assert.deepEqual(retry.record, keyed('t1'), 'the stored task, its digest included, for the caller to compare');
      assert.equal(await store.get('t2'), undefined, 'no second task');
      assert.deepEqual(await store.getByIdempotencyKey(alice, 'k-1'), keyed('t1'));
      assert.equal(await store.getByIdempotencyKey(bob, 'k-1'), undefined, 'another owner never finds it');
      assert.equal(await store.getByIdempotencyKey(aliceViaCli, 'k-1'), undefined);
      assert.equal(await store.getByIdempotencyKey(alice, 'k-2'), undefined);
    });
  });

  it('scopes keys per owner: the same key from anyone else creates their own task and reveals nothing', async () => {
    await withStore(make, async (store) => {
      await store.create(keyed('alice', alice));
      for (const [id, owner] of [['bob', bob], ['globex', aliceAtGlobex], ['cli', aliceViaCli]] as const) {
        const other = await store.create(keyed(id, owner));
        assert.equal(other.created, true, `${id} gets a task of its own`);
        assert.deepEqual(other.record.owner, owner);
      }
      assert.equal((await store.get('alice'))?.owner.sub, 'alice');
    });
  });

  it('frees the key when its task is deleted, and keyless creates never collide', async () => {
    await withStore(make, async (store) => {
      await store.create(keyed('t1'));
      assert.equal(await store.delete('t1'), true);
      assert.equal((await store.create(keyed('t2'))).created, true);
      assert.equal((await store.create(record('plain-1'))).created, true);
      assert.equal((await store.create(record('plain-2'))).created, true);
    });
  });

  it('stores exactly one task when creates with one key race', async () => {
    await withStore(make, async (store) => {
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.create(keyed(`r${i}`))));
      const created = results.filter((r) => r.created);
      assert.equal(created.length, 1);
      const winner = created[0]?.record.id;
      for (const r of results) assert.equal(r.record.id, winner);
      assert.equal((await store.list({ kind: 'owner', owner: alice }, 0, undefined, 100)).records.length, 1);
    });
  });
}
