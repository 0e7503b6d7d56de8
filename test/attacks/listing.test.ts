import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { GuardedClient, Stack } from '../support/stack.js';
import { startStack } from '../support/stack.js';
import { INVALID_CURSOR, lifecycleCount, rpcError } from './helpers.js';

/**
 * tasks/list must filter by owner (or, for a supervisor, by the supervisor's tenant) inside the store before
 * paging, and its cursors must be useless to anyone but the caller they were issued to.
 */

type Listing = Awaited<ReturnType<GuardedClient['list']>>;

/** Creates `n` tasks that complete at once (the live-task cap counts only unfinished ones). */
async function createTasks(client: GuardedClient, n: number, label: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push((await client.createTask('convert_document', { text: `${label}-${i}` })).taskId);
  return ids;
}

/** Every page, following nextCursor to the end. */
async function listAll(client: GuardedClient): Promise<{ pages: Listing[]; ids: string[] }> {
  const pages: Listing[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.list(cursor);
    pages.push(page);
    cursor = page.nextCursor;
    assert.ok(pages.length < 20, 'paging does not end');
  } while (cursor !== undefined);
  return { pages, ids: pages.flatMap((p) => p.tasks.map((t) => t.taskId)) };
}

const sorted = (ids: readonly string[]): string[] => [...ids].sort();

function assertDisjoint(seen: readonly string[], others: readonly string[], message: string): void {
  const leaked = seen.filter((id) => others.includes(id));
  assert.deepEqual(leaked, [], message);
}

/** Flips one character of `text` at `index` to another of the base64url alphabet. */
function flip(text: string, index: number): string {
  const c = text[index];
  assert.ok(c !== undefined);
  return `${text.slice(0, index)}${c === 'A' ? 'B' : 'A'}${text.slice(index + 1)}`;
}

describe('attacks on tasks/list', () => {
  let stack: Stack;
  let alice: GuardedClient;
  let bob: GuardedClient;
  let mallory: GuardedClient;
  let aliceIds: string[];
  let bobIds: string[];
  let malloryIds: string[];

  // Fresh per case: alice@acme with more than a page (55 tasks), bob@acme with 3, mallory@globex with 3.
  beforeEach(async () => {
    stack = await startStack();
    alice = await stack.connect({ sub: 'alice' });
    bob = await stack.connect({ sub: 'bob' });
    mallory = await stack.connect({ sub: 'mallory', tenant: 'globex' });
    aliceIds = await createTasks(alice, 55, 'alice');
    bobIds = await createTasks(bob, 3, 'bob');
    malloryIds = await createTasks(mallory, 3, 'mallory');
  });
  afterEach(async () => {
    await stack.close();
  });

  it('leaks nothing across users, tenants, client apps or pages', async () => {
    const aliceOtherApp = await stack.connect({ sub: 'alice', client: 'docs-console' });
    const otherAppIds = await createTasks(aliceOtherApp, 2, 'alice-docs');
    const aliceOfGlobex = await stack.connect({ sub: 'alice', tenant: 'globex' });
    const lifecycle = lifecycleCount(stack);
    const aliceBefore = await listAll(alice);

    // alice: all of hers, each once, over two pages of 50 and 5, and nobody else's.
    assert.deepEqual(aliceBefore.pages.map((p) => p.tasks.length), [50, 5]);
    assert.equal(new Set(aliceBefore.ids).size, aliceBefore.ids.length, 'no task on two pages');
    assert.deepEqual(sorted(aliceBefore.ids), sorted(aliceIds));

    const bobs = await listAll(bob);
    assert.deepEqual(sorted(bobs.ids), sorted(bobIds));
    assertDisjoint(bobs.ids, aliceIds, 'bob (same tenant) sees alice\'s tasks');
    const mallorys = await listAll(mallory);
    assert.deepEqual(sorted(mallorys.ids), sorted(malloryIds));
    assertDisjoint(mallorys.ids, aliceIds, 'mallory (other tenant) sees alice\'s tasks');
    const otherApps = await listAll(aliceOtherApp);
    assert.deepEqual(sorted(otherApps.ids), sorted(otherAppIds));
    assertDisjoint(otherApps.ids, aliceIds, 'alice from another client app sees the reports-agent tasks');
    assert.deepEqual((await listAll(aliceOfGlobex)).ids, [], 'alice@globex is not alice@acme');
    for (const listing of [bobs, mallorys, otherApps]) assert.equal(listing.pages.length, 1);

    // Nothing changed for alice.
    assert.deepEqual(await listAll(alice), aliceBefore);
    assert.equal(lifecycleCount(stack), lifecycle);
  });

  it('alice\'s nextCursor replayed by bob, mallory, alice\'s other app or a supervisor is "invalid cursor"', async () => {
    const aliceOtherApp = await stack.connect({ sub: 'alice', client: 'docs-console' });
    const carol = await stack.connect({ sub: 'carol', roles: ['task-supervisor'], client: 'ops-console' });
    const first = await alice.list();
    const cursor = first.nextCursor;
    assert.ok(cursor, 'alice has a second page');
    const second = await alice.list(cursor);
    const lifecycle = lifecycleCount(stack);

    for (const [who, client] of [['bob', bob], ['mallory', mallory], ['alice@docs-console', aliceOtherApp], ['carol (supervisor)', carol]] as const) {
      assert.deepEqual(await rpcError(client.list(cursor)), INVALID_CURSOR, who);
    }
    // alice's own cursor still pages exactly as before: nothing was consumed or moved.
    assert.deepEqual(await alice.list(cursor), second);
    assert.deepEqual(await alice.list(), first);
    assert.equal(lifecycleCount(stack), lifecycle);
  });

  it('a tampered or forged cursor is "invalid cursor", and the real one still works', async () => {
    const first = await alice.list();
    const cursor = first.nextCursor;
    assert.ok(cursor);
    const second = await alice.list(cursor);
    const [payload, tag] = cursor.split('.') as [string, string];
    assert.ok(payload && tag, 'payload.tag');
    const lifecycle = lifecycleCount(stack);

    // A position of alice's own listing, re-encoded: without the key, the tag cannot follow.
    const rewound = Buffer.from(JSON.stringify({ c: 0, i: '' })).toString('base64url');
    const tampered: Array<[string, string]> = [
      ['one payload character flipped', `${flip(payload, 5)}.${tag}`],
      ['one tag character flipped', `${payload}.${flip(tag, 10)}`],
      ['forged payload with the real tag', `${rewound}.${tag}`],
      ['tag dropped', payload],
      ['empty tag', `${payload}.`],
      ['extra part', `${cursor}.x`],
      ['empty string', ''],
      ['garbage', 'not-a-cursor'],
      ['oversized', `${cursor}${'A'.repeat(600)}`],
      ['tag of another length', `${payload}.${tag}${tag}`],
    ];
    for (const [label, forged] of tampered) {
      assert.notEqual(forged, cursor);
      assert.deepEqual(await rpcError(alice.list(forged)), INVALID_CURSOR, label);
      assert.deepEqual(await rpcError(bob.list(forged)), INVALID_CURSOR, `bob: ${label}`);
    }
    assert.deepEqual(await alice.list(cursor), second);
    assert.deepEqual(await alice.list(), first);
    assert.equal(lifecycleCount(stack), lifecycle);
  });

  it('a supervisor of acme lists every acme task and none of globex\'s; its cursor is useless to others', async () => {
    const carol = await stack.connect({ sub: 'carol', tenant: 'acme', roles: ['task-supervisor'], client: 'ops-console' });
    const victor = await stack.connect({ sub: 'victor', tenant: 'globex', roles: ['task-supervisor'], client: 'ops-console' });
    const lifecycle = lifecycleCount(stack);
    const aliceBefore = await listAll(alice);

    const carols = await listAll(carol);
    assert.equal(carols.pages.length, 2);
    assert.equal(new Set(carols.ids).size, carols.ids.length);
    assert.deepEqual(sorted(carols.ids), sorted([...aliceIds, ...bobIds]));
    assertDisjoint(carols.ids, malloryIds, 'an acme supervisor sees globex tasks');

    const victors = await listAll(victor);
    assert.deepEqual(sorted(victors.ids), sorted(malloryIds));
    assertDisjoint(victors.ids, [...aliceIds, ...bobIds], 'a globex supervisor sees acme tasks');

    // carol's tenant-wide cursor does not page for an owner-scoped caller of her tenant, nor for victor.
    const carolCursor = carols.pages[0]?.nextCursor;
    assert.ok(carolCursor);
    assert.deepEqual(await rpcError(bob.list(carolCursor)), INVALID_CURSOR);
    assert.deepEqual(await rpcError(alice.list(carolCursor)), INVALID_CURSOR);
    assert.deepEqual(await rpcError(victor.list(carolCursor)), INVALID_CURSOR);

    assert.deepEqual(await listAll(alice), aliceBefore);
    assert.equal(lifecycleCount(stack), lifecycle);
  });
});
