import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createCursorCodec } from '../../src/guard/cursor.js';
import { createRateLimiter } from '../../src/guard/rate-limit.js';

describe('list cursors', () => {
  const codec = createCursorCodec(Buffer.alloc(32, 7));
  const pos = { createdMs: 123, id: 'abc' };

  it('round-trips for the binding it was made for', () => {
    assert.deepEqual(codec.decode(codec.encode(pos, 'alice'), 'alice'), pos);
  });

  it('is useless to another binding, edited, truncated, or from another key', () => {
    const cursor = codec.encode(pos, 'alice');
    const other = createCursorCodec(Buffer.alloc(32, 8));
    const flipped = `${cursor.slice(0, 3)}${cursor[3] === 'A' ? 'B' : 'A'}${cursor.slice(4)}`;
    for (const [label, attempt] of [
      ['another binding', () => codec.decode(cursor, 'bob')],
      ['an edited payload', () => codec.decode(flipped, 'alice')],
      ['a truncated tag', () => codec.decode(cursor.slice(0, -2), 'alice')],
      ['another key', () => other.decode(cursor, 'alice')],
      ['garbage', () => codec.decode('not-a-cursor', 'alice')],
      ['an oversized cursor', () => codec.decode('x'.repeat(10_000), 'alice')],
    ] as const) {
      assert.throws(attempt, /invalid cursor/, label);
    }
  });
});

describe('rate limiter', () => {
  it('allows the budget, then refuses with the wait until the next token, per key', () => {
    const limiter = createRateLimiter(60); // one per second
    for (let i = 0; i < 60; i++) assert.equal(limiter.take('a', 0), 0);
    const wait = limiter.take('a', 0);
    assert.ok(wait > 0 && wait <= 1000, `wait ${wait}`);
    assert.equal(limiter.take('b', 0), 0, 'another principal has its own budget');
    assert.equal(limiter.take('a', 1000), 0, 'a token is back after a second');
  });
});
