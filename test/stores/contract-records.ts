import { it } from 'node:test';
import assert from 'node:assert/strict';
import type { TaskRecord } from '../../src/stores/types.js';
import { alice, bob, completed, ids, record, withStore, type MakeStore } from './contract-support.js';

/** create, get, delete and what goes in and out: exact round trips and independent copies. */
/**
 * Changes a returned record the way a careless caller would. A store may hand out copies (the change is
 * silently local) or frozen records (the change throws a TypeError); either way nothing stored may move.
 */
function attempt(change: () => void): void {
  try {
    change();
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
  }
}

export function recordCases(make: MakeStore): void {
  it('returns exactly the record it was given, with and without the optional fields', async () => {
    await withStore(make, async (store) => {
      const bare = record('bare', alice, 1_763_800_000_000, { ttlMs: 600_000, expiresMs: 1_763_800_600_000, pollIntervalMs: 2500 });
      const full = record('full', bob, 1_763_800_000_001, {
        scopes: ['reports:read', 'reports:export'], status: 'failed', statusMessage: 'it broke', updatedMs: 1_763_800_000_500,
        resultsRead: 2, revoked: true, outcome: { kind: 'error', code: -32603, message: 'tool execution failed' },
      });
      await store.create(bare);
      await store.create(full);
      assert.deepEqual(await store.get('bare'), bare);
      assert.deepEqual(await store.get('full'), full);
      assert.equal(await store.get('nope'), undefined);
    });
  });

  it('leaves the result payload out when asked, and only then', async () => {
    await withStore(make, async (store) => {
      const done = completed('done', alice, { content: [{ type: 'text', text: 'a large result' }] });
      await store.create(done);
      const { outcome: _outcome, ...withoutOutcome } = done;
      assert.deepEqual(await store.get('done', { outcome: false }), withoutOutcome);
      assert.deepEqual(await store.get('done', { outcome: true }), done);
      assert.deepEqual(await store.get('done'), done);
      assert.equal(await store.get('nope', { outcome: false }), undefined);
      // Reading without the payload drops nothing: a later read still has it.
      assert.deepEqual((await store.recordResultRead('done', false))?.outcome, done.outcome);
    });
  });

  it('refuses a second task with an existing id and keeps the first', async () => {
    await withStore(make, async (store) => {
      await store.create(record('t', alice));
      await assert.rejects(store.create(record('t', bob, 5000, { tool: 'other' })));
      assert.deepEqual((await store.get('t'))?.owner, alice);
      assert.equal((await store.get('t'))?.tool, 't');
    });
  });

  it('hands out copies or frozen records: changing a returned or a given record changes nothing stored', async () => {
    await withStore(make, async (store) => {
      const given = completed('t', alice, { content: [{ type: 'text', text: 'secret' }] });
      await store.create(given);
      given.owner.sub = 'mallory';
      (given.scopes as string[]).push('admin');
      if (given.outcome?.kind === 'result') given.outcome.result['content'] = [];

      const got = await store.get('t');
      assert.ok(got);
      attempt(() => { got.owner.sub = 'mallory'; });
      attempt(() => { got.status = 'working'; });
      attempt(() => { (got.scopes as string[]).push('admin'); });
      attempt(() => { if (got.outcome?.kind === 'result') got.outcome.result['content'] = []; });
      const [listed] = (await store.list({ kind: 'owner', owner: alice }, 0, undefined, 10)).records;
      assert.ok(listed);
      attempt(() => { listed.owner.tenant = 'globex'; });

      const stored = await store.get('t');
      assert.deepEqual(stored?.owner, alice);
      assert.equal(stored?.status, 'completed');
      assert.deepEqual(stored?.scopes, ['s']);
      assert.deepEqual(stored?.outcome, { kind: 'result', result: { content: [{ type: 'text', text: 'secret' }] } });
    });
  });

  it('guards what transition and recordResultRead return, too', async () => {
    await withStore(make, async (store) => {
      await store.create(record('t'));
      const moved = await store.transition('t', ['working'], { status: 'completed', outcome: { kind: 'result', result: { n: 1 } } }, 1100);
      assert.ok(moved);
      attempt(() => { moved.owner.sub = 'mallory'; });
      attempt(() => { if (moved.outcome?.kind === 'result') moved.outcome.result['n'] = 2; });
      const read = await store.recordResultRead('t', false);
      assert.ok(read);
      attempt(() => { read.owner.sub = 'mallory'; });
      attempt(() => { if (read.outcome?.kind === 'result') read.outcome.result['n'] = 3; });
      const stored = await store.get('t');
      assert.deepEqual(stored?.owner, alice);
      assert.deepEqual(stored?.outcome, { kind: 'result', result: { n: 1 } });
    });
  });

  it('deletes from every query, once', async () => {
    await withStore(make, async (store) => {
      await store.create(record('gone', alice, 0, { expiresMs: 10 }));
      await store.create(record('live', alice, 0, { expiresMs: 5000 }));
      assert.equal(await store.delete('gone'), true);
      assert.equal(await store.delete('live'), true);
      assert.equal(await store.delete('live'), false);
      assert.equal(await store.delete('nope'), false);
      assert.equal(await store.get('live'), undefined);
      assert.deepEqual((await store.list({ kind: 'owner', owner: alice }, 0, undefined, 10)).records, []);
      assert.deepEqual((await store.list({ kind: 'tenant', tenant: 'acme' }, 0, undefined, 10)).records, []);
      assert.deepEqual(await store.expired(100, 10), []);
      assert.equal(await store.countLive(alice, 0), 0);
      assert.equal(await store.transition('live', ['working'], { status: 'cancelled' }, 1), undefined);
      assert.equal(await store.recordResultRead('live', false), undefined);
      // The id is free again.
      await store.create(record('live', bob));
      assert.deepEqual((await store.get('live'))?.owner, bob);
    });
  });

  it('round-trips Unicode and long strings exactly', async () => {
    await withStore(make, async (store) => {
      const owner = { sub: 'José 🧑‍💻 Ωμέγα', tenant: 'ｔｅｎａｎｔ-株式会社', client_id: 'עברית-client\u200d' };
      const text = 'e\u0301 ñ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🏳️‍🌈 \u202eRTL\u202c tab\tnewline\nquote\' "dq" back\\slash nul\u0000end';
      const long = 'x'.repeat(100_000) + '✓'.repeat(10_000);
      const rec = record('タスク-🧵-1', owner, 1000, {
        tool: 'ツール_🔧', scopes: ['docs:read', 'δοκιμή:γράφω', long], statusMessage: text + long,
        status: 'completed', outcome: { kind: 'result', result: { content: [{ type: 'text', text }], structured: { [text]: long } } },
      });
      await store.create(rec);
      assert.deepEqual(await store.get(rec.id), rec);
      assert.deepEqual(ids((await store.list({ kind: 'owner', owner }, 0, undefined, 10)).records), [rec.id]);
      assert.deepEqual(ids((await store.list({ kind: 'tenant', tenant: owner.tenant }, 0, undefined, 10)).records), [rec.id]);
      const moved = await store.transition(rec.id, ['completed', 'working'], { statusMessage: 'nope' }, 2000);
      assert.equal(moved, undefined);
      await store.create(record('msg', owner));
      assert.equal((await store.transition('msg', ['working'], { statusMessage: text }, 1500))?.statusMessage, text);
      assert.equal((await store.get('msg'))?.statusMessage, text);
    });
  });

  it('round-trips a 1 MB outcome payload', async () => {
    await withStore(make, async (store) => {
      const chunk = 'The quick brown fox — jumps over the lazy dog. 0123456789 ';
      const big = chunk.repeat(Math.ceil((1024 * 1024) / chunk.length));
      const rec: TaskRecord = completed('big', alice, { content: [{ type: 'text', text: big }], _meta: { size: big.length } });
      await store.create(rec);
      assert.deepEqual(await store.get('big'), rec);
      const read = await store.recordResultRead('big', true);
      assert.deepEqual(read?.outcome, rec.outcome);
      assert.equal((await store.get('big'))?.outcome, undefined);
      const viaTransition = record('big2');
      await store.create(viaTransition);
      const done = await store.transition('big2', ['working'], { status: 'completed', outcome: { kind: 'result', result: { text: big } } }, 1600);
      assert.equal(done?.outcome?.kind === 'result' ? done.outcome.result['text'] : undefined, big);
    });
  });
}
