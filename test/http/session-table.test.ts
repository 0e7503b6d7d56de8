import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SessionTable, type OpenSession, type Reservation, type SessionRefusal } from '../../src/http/sessions.js';

/** The table on a clock the test moves: expiry and Retry-After are exact. */
function table(limits: { idleTimeoutMs?: number; maxPerPrincipal?: number; maxTotal?: number } = {}) {
  let nowMs = 1_000_000;
  const closed: string[] = [];
  const sessions = new SessionTable<string>({ idleTimeoutMs: 1000, maxPerPrincipal: 5, maxTotal: 10, ...limits }, () => nowMs);
  const open = (owner: string, id: string): OpenSession<string> => {
    const place = sessions.reserve(owner);
    assert.ok(place.ok, `${owner} refused`);
    const session: OpenSession<string> = { id, owner, value: id, close: async () => void closed.push(id) };
    (place as Reservation<string>).open(session);
    return session;
  };
  return { sessions, open, closed, advance: (ms: number) => void (nowMs += ms) };
}

describe('SessionTable', () => {
  it('a session found after its idle time is closed and not returned; one found in time is, and the find does not refresh it', async () => {
    const t = table();
    t.open('alice', 's1');
    t.advance(999);
    assert.ok(t.sessions.find('s1', 'alice'));
    t.advance(1);
    assert.equal(t.sessions.find('s1', 'alice'), undefined);
    assert.deepEqual(t.closed, ['s1']);
    assert.equal(t.sessions.size, 0);
    await t.sessions.closeAll();
  });

  it('someone else\'s session is not returned, and is left as it is', async () => {
    const t = table();
    t.open('alice', 's1');
    assert.equal(t.sessions.find('s1', 'bob'), undefined);
    assert.ok(t.sessions.find('s1', 'alice'));
    assert.deepEqual(t.closed, []);
    await t.sessions.closeAll();
  });

  it('a request that holds the session keeps it past the idle time; the clock restarts when it ends', async () => {
    const t = table();
    const s = t.open('alice', 's1');
    const done = t.sessions.touch(s, true);
    t.advance(5000);
    t.sessions.sweep();
    assert.ok(t.sessions.find('s1', 'alice'));
    done();
    t.advance(999);
    t.sessions.sweep();
    assert.ok(t.sessions.find('s1', 'alice'));
    t.advance(1);
    t.sessions.sweep();
    assert.deepEqual(t.closed, ['s1']);
    await t.sessions.closeAll();
  });

  it('refusals name the cap and the soonest idle expiry; a cancelled reservation frees its place', async () => {
    const t = table({ maxPerPrincipal: 2, maxTotal: 3 });
    t.open('alice', 'a1');
    t.advance(300);
    const a2 = t.open('alice', 'a2');
    const held = t.sessions.touch(a2, true);
    t.advance(100);
    assert.deepEqual(t.sessions.reserve('alice'), { ok: false, scope: 'principal', limit: 2, retryAfterMs: 600 } satisfies SessionRefusal);
    const pending = t.sessions.reserve('bob');
    assert.ok(pending.ok);
    assert.deepEqual(t.sessions.reserve('carol'), { ok: false, scope: 'host', limit: 3, retryAfterMs: 600 } satisfies SessionRefusal);
    pending.cancel();
    pending.cancel();
    assert.ok(t.sessions.reserve('carol').ok, 'the cancelled place is free, once');
    held();
    await t.sessions.closeAll();
  });

  it('removing a session frees its owner\'s place; closeAll closes every session', async () => {
    const t = table({ maxPerPrincipal: 1 });
    t.open('alice', 'a1');
    assert.equal(t.sessions.reserve('alice').ok, false);
    t.sessions.remove('a1');
    t.sessions.remove('a1');
    t.open('alice', 'a2');
    t.open('bob', 'b1');
    await t.sessions.closeAll();
    assert.deepEqual(t.closed.sort(), ['a2', 'b1']);
    assert.equal(t.sessions.size, 0);
  });
});
