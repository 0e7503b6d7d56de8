import { it } from 'node:test';
import assert from 'node:assert/strict';
import type { ListPosition, ListScope, TaskRecord, TaskStore } from '../../src/stores/types.js';
import { alice, aliceAtGlobex, aliceViaCli, bob, ids, mallory, record, withStore, type MakeStore } from './contract-support.js';

/** Follows the pages of a listing to the end, the way tasks/list cursors do. */
async function listAll(store: TaskStore, scope: ListScope, nowMs: number, pageSize: number): Promise<{ records: TaskRecord[]; pages: number }> {
  const records: TaskRecord[] = [];
  let after: ListPosition | undefined;
  for (let pages = 1; pages < 1000; pages++) {
    const page = await store.list(scope, nowMs, after, pageSize);
    assert.ok(page.records.length <= pageSize, 'a page is never longer than asked');
    records.push(...page.records);
    const last = page.records.at(-1);
    if (!page.more) return { records, pages };
    assert.ok(last, 'a page that says more follows is not empty');
    after = { createdMs: last.createdMs, id: last.id };
  }
  throw new Error('listing did not end');
}

/** list: scope filtered in the query, live tasks only, (createdMs, id) order, gap-free paging. */
export function listCases(make: MakeStore): void {
  it('lists one owner\'s live tasks only, in creation order, paging after a position', async () => {
    await withStore(make, async (store) => {
      for (let i = 0; i < 5; i++) await store.create(record(`a${i}`, alice, 1000 + i));
      await store.create(record('b0', bob, 1000));
      await store.create(record('m0', mallory, 1000));
      await store.create(record('old', alice, 0, { expiresMs: 1500 }));
      const page1 = await store.list({ kind: 'owner', owner: alice }, 1600, undefined, 3);
      assert.deepEqual(ids(page1.records), ['a0', 'a1', 'a2']);
      assert.equal(page1.more, true);
      const page2 = await store.list({ kind: 'owner', owner: alice }, 1600, { createdMs: 1002, id: 'a2' }, 3);
      assert.deepEqual(ids(page2.records), ['a3', 'a4']);
      assert.equal(page2.more, false);
      const tenant = await store.list({ kind: 'tenant', tenant: 'acme' }, 1600, undefined, 100);
      assert.deepEqual(ids(tenant.records), ['a0', 'b0', 'a1', 'a2', 'a3', 'a4']);
      assert.equal(tenant.more, false);
    });
  });

  it('keeps owners apart on every binding field: tenant, sub and client_id', async () => {
    await withStore(make, async (store) => {
      const owners = [alice, aliceAtGlobex, aliceViaCli, bob, mallory];
      for (const [n, owner] of owners.entries()) {
        for (let i = 0; i < 3; i++) await store.create(record(`${owner.sub}-${owner.tenant}-${owner.client_id}-${i}`, owner, 1000 + i * 10 + n));
      }
      for (const owner of owners) {
        const { records } = await store.list({ kind: 'owner', owner }, 0, undefined, 100);
        assert.equal(records.length, 3);
        for (const r of records) assert.deepEqual(r.owner, owner);
        assert.equal(await store.countLive(owner, 0), 3);
      }
      assert.deepEqual((await store.list({ kind: 'owner', owner: { sub: 'alice', tenant: 'acme', client_id: 'nobody' } }, 0, undefined, 100)).records, []);
      const acme = await store.list({ kind: 'tenant', tenant: 'acme' }, 0, undefined, 100);
      assert.equal(acme.records.length, 9);
      for (const r of acme.records) assert.equal(r.owner.tenant, 'acme');
      const globex = await store.list({ kind: 'tenant', tenant: 'globex' }, 0, undefined, 100);
      assert.deepEqual(new Set(globex.records.map((r) => r.owner.sub)), new Set(['alice', 'mallory']));
    });
  });

  it('never returns another owner\'s record, whatever `after` position is crafted', async () => {
    await withStore(make, async (store) => {
      await store.create(record('m-early', mallory, 10));
      await store.create(record('b-mid', bob, 500));
      await store.create(record('a-1', alice, 1000));
      await store.create(record('b-late', bob, 1000));
      await store.create(record('m-late', mallory, 1000));
      await store.create(record('a-2', alice, 1001));
      const crafted: ListPosition[] = [
        { createdMs: -1, id: '' },
        { createdMs: 10, id: 'm-early' },
        { createdMs: 500, id: 'b-mid' },
        { createdMs: 1000, id: 'a' },
        { createdMs: 1000, id: 'b-late' },
        { createdMs: 999, id: '\uffff' },
        { createdMs: Number.MIN_SAFE_INTEGER, id: '\u0000' },
      ];
      for (const after of crafted) {
        const mine = await store.list({ kind: 'owner', owner: alice }, 0, after, 100);
        for (const r of mine.records) assert.deepEqual(r.owner, alice, `after ${JSON.stringify(after)}`);
        const acme = await store.list({ kind: 'tenant', tenant: 'acme' }, 0, after, 100);
        for (const r of acme.records) assert.equal(r.owner.tenant, 'acme', `after ${JSON.stringify(after)}`);
      }
      assert.deepEqual(ids((await store.list({ kind: 'owner', owner: alice }, 0, { createdMs: 1000, id: 'b-late' }, 100)).records), ['a-2']);
      assert.deepEqual(ids((await store.list({ kind: 'tenant', tenant: 'acme' }, 0, { createdMs: 500, id: 'b-mid' }, 100)).records), ['a-1', 'b-late', 'a-2']);
    });
  });

  it('pages 120 tasks with one createdMs without gaps or duplicates, ties broken by id', async () => {
    await withStore(make, async (store) => {
      const expected: string[] = [];
      for (let i = 0; i < 120; i++) {
        // Ids created out of order, so the store cannot lean on insertion order.
        const id = `t-${String((i * 37) % 120).padStart(3, '0')}`;
        await store.create(record(id, alice, 5000));
        expected.push(id);
        // Another owner's tasks at the same instant, interleaved, must neither show up nor shorten a page.
        if (i % 3 === 0) await store.create(record(`z-bob-${i}`, bob, 5000));
        if (i % 4 === 0) await store.create(record(`z-mal-${i}`, mallory, 5000));
      }
      expected.sort();
      for (const size of [1, 7, 50, 119, 120, 121]) {
        const { records, pages } = await listAll(store, { kind: 'owner', owner: alice }, 5500, size);
        assert.deepEqual(ids(records), expected, `page size ${size}`);
        assert.equal(pages, Math.max(1, Math.ceil(120 / size)), `page size ${size}`);
      }
      const tenant = await listAll(store, { kind: 'tenant', tenant: 'acme' }, 5500, 13);
      assert.equal(tenant.records.length, 160);
      assert.equal(new Set(ids(tenant.records)).size, 160);
      assert.deepEqual(ids(tenant.records), [...ids(tenant.records)].sort());
    });
  });

  it('leaves expired tasks out of every listing and counts them nowhere', async () => {
    await withStore(make, async (store) => {
      await store.create(record('expired', alice, 0, { expiresMs: 2000 }));
      await store.create(record('boundary', alice, 1, { expiresMs: 3000 }));
      await store.create(record('live', alice, 2, { expiresMs: 3001 }));
      await store.create(record('done-expired', alice, 3, { expiresMs: 2500, status: 'completed' }));
      // Expiry is inclusive: a task whose expiresMs equals now is gone.
      assert.deepEqual(ids((await store.list({ kind: 'owner', owner: alice }, 3000, undefined, 10)).records), ['live']);
      assert.deepEqual(ids((await store.list({ kind: 'tenant', tenant: 'acme' }, 3000, undefined, 10)).records), ['live']);
      assert.deepEqual((await store.expired(3000, 10)).sort(), ['boundary', 'done-expired', 'expired']);
      assert.equal(await store.countLive(alice, 3000), 1);
      // Expired tasks do not make a page look fuller than it is.
      const page = await store.list({ kind: 'owner', owner: alice }, 3000, undefined, 1);
      assert.deepEqual(ids(page.records), ['live']);
      assert.equal(page.more, false);
    });
  });
}
