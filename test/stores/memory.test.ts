import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryTaskStore } from '../../src/stores/memory.js';
import type { TaskRecord } from '../../src/stores/types.js';

const alice = { sub: 'alice', tenant: 'acme', client_id: 'app' };
const bob = { sub: 'bob', tenant: 'acme', client_id: 'app' };
const mallory = { sub: 'mallory', tenant: 'globex', client_id: 'app' };

function record(id: string, owner = alice, createdMs = 1000, patch: Partial<TaskRecord> = {}): TaskRecord {
  return { id, tool: 't', owner, scopes: ['s'], status: 'working', createdMs, updatedMs: createdMs, ttlMs: 1000, expiresMs: createdMs + 1000, pollIntervalMs: 100, resultsRead: 0, revoked: false, ...patch };
}

describe('MemoryTaskStore', () => {
  it('lists one owner\'s live tasks only, in creation order, paging after a position', async () => {
    const store = new MemoryTaskStore();
    for (let i = 0; i < 5; i++) await store.create(record(`a${i}`, alice, 1000 + i));
    await store.create(record('b0', bob, 1000));
    await store.create(record('m0', mallory, 1000));
    await store.create(record('old', alice, 0, { expiresMs: 1500 }));
    const page1 = await store.list({ kind: 'owner', owner: alice }, 1600, undefined, 3);
    assert.deepEqual(page1.records.map((r) => r.id), ['a0', 'a1', 'a2']);
    assert.equal(page1.more, true);
    const page2 = await store.list({ kind: 'owner', owner: alice }, 1600, { createdMs: 1002, id: 'a2' }, 3);
    assert.deepEqual(page2.records.map((r) => r.id), ['a3', 'a4']);
    assert.equal(page2.more, false);
    const tenant = await store.list({ kind: 'tenant', tenant: 'acme' }, 1600, undefined, 100);
    assert.deepEqual(tenant.records.map((r) => r.id).sort(), ['a0', 'a1', 'a2', 'a3', 'a4', 'b0']);
  });

  it('keeps a terminal status final: compare-and-set from live statuses only', async () => {
    const store = new MemoryTaskStore();
    await store.create(record('t'));
    const cancelled = await store.transition('t', ['working', 'input_required'], { status: 'cancelled' }, 2000);
    assert.equal(cancelled?.status, 'cancelled');
    const late = await store.transition('t', ['working', 'input_required'], { status: 'completed' }, 2001);
    assert.equal(late, undefined, 'completion after cancel loses');
    assert.equal((await store.get('t'))?.status, 'cancelled');
    // Even a caller that lists a terminal status as its "from" cannot move a terminal task.
    assert.equal(await store.transition('t', ['cancelled'], { status: 'working' }, 2002), undefined);
  });

  it('lets exactly one single-read succeed and drops the payload', async () => {
    const store = new MemoryTaskStore();
    await store.create(record('t', alice, 1000, { status: 'completed', outcome: { kind: 'result', result: { content: [] } } }));
    const reads = await Promise.all([store.recordResultRead('t', true, 1), store.recordResultRead('t', true, 2)]);
    assert.equal(reads.filter(Boolean).length, 1);
    assert.ok(reads.find(Boolean)?.outcome, 'the winner gets the result');
    const after = await store.get('t');
    assert.equal(after?.outcome, undefined);
    assert.equal(after?.revoked, true);
    assert.equal(after?.resultsRead, 1);
  });

  it('hands out copies: changing a returned record changes nothing stored', async () => {
    const store = new MemoryTaskStore();
    await store.create(record('t'));
    const got = await store.get('t');
    assert.ok(got);
    got.owner.sub = 'mallory';
    got.status = 'completed';
    assert.deepEqual((await store.get('t'))?.owner, alice);
    assert.equal((await store.get('t'))?.status, 'working');
  });

  it('counts live tasks per owner, sweeps expired ones in bounded batches, and deletes from every index', async () => {
    const store = new MemoryTaskStore();
    for (let i = 0; i < 4; i++) await store.create(record(`e${i}`, alice, 0, { expiresMs: 10 }));
    await store.create(record('live', alice, 0, { expiresMs: 5000 }));
    await store.create(record('done', alice, 0, { expiresMs: 5000, status: 'completed' }));
    assert.equal(await store.countLive(alice, 100), 1);
    assert.equal((await store.expired(100, 3)).length, 3);
    for (const id of await store.expired(100, 10)) assert.equal(await store.delete(id), true);
    assert.deepEqual((await store.list({ kind: 'owner', owner: alice }, 0, undefined, 10)).records.map((r) => r.id).sort(), ['done', 'live']);
    assert.equal(await store.delete('nope'), false);
  });
});
