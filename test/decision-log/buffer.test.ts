import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventBuffer } from '../../src/decision-log/buffer.js';
import { encodeChunk } from '../../src/decision-log/chunk.js';
import { DecisionLogCounters } from '../../src/decision-log/stats.js';
import { gunzipSync } from 'node:zlib';

const fill = (buffer: EventBuffer, from: number, to: number): void => {
  for (let i = from; i < to; i++) buffer.push(`{"n":${i}}`);
};

describe('the upload buffer', () => {
  it('full by count: drops the oldest and counts them', () => {
    const counters = new DecisionLogCounters();
    const buffer = new EventBuffer({ maxEvents: 3, maxBytes: 1 << 20 }, counters);
    fill(buffer, 0, 5);
    assert.equal(counters.dropped.buffer_full, 2);
    assert.deepEqual(buffer.take(10), ['{"n":2}', '{"n":3}', '{"n":4}']);
  });

  it('full by bytes: drops the oldest, keeps at least one', () => {
    const counters = new DecisionLogCounters();
    const buffer = new EventBuffer({ maxEvents: 100, maxBytes: 20 }, counters);
    fill(buffer, 0, 4);
    assert.deepEqual(buffer.take(10), ['{"n":2}', '{"n":3}']);
    buffer.push('x'.repeat(50));
    assert.equal(buffer.size, 1);
  });

  it('requeued events go back in front, in order, before and after the array is compacted', () => {
    const buffer = new EventBuffer({ maxEvents: 10_000, maxBytes: 1 << 20 }, new DecisionLogCounters());
    fill(buffer, 0, 3000);
    const first = buffer.take(5);
    buffer.requeue(first);
    assert.deepEqual(buffer.take(6), ['{"n":0}', '{"n":1}', '{"n":2}', '{"n":3}', '{"n":4}', '{"n":5}']);
    // Past the compaction threshold the taken slots are gone: requeue rebuilds the front.
    const many = buffer.take(2000);
    const failed = many.slice(-3);
    buffer.requeue(failed);
    assert.deepEqual(buffer.take(4), [...failed, '{"n":2006}']);
    assert.equal(buffer.size, 3000 - 6 - 2000 + 3 - 4);
  });

  it('takeBytes takes about that much JSON, at least one event', () => {
    const buffer = new EventBuffer({ maxEvents: 100, maxBytes: 1 << 20 }, new DecisionLogCounters());
    fill(buffer, 0, 10);
    assert.equal(buffer.takeBytes(1).length, 1);
    assert.equal(buffer.takeBytes(24).length, 3);
  });
});

describe('a chunk', () => {
  it('is a gzip\'d JSON array of the first events that fit the limit', async () => {
    const events = Array.from({ length: 400 }, (_, i) => JSON.stringify({ n: i, pad: `${i}`.repeat(i % 17) }));
    const chunk = await encodeChunk(events, 600);
    assert.ok(chunk.ok);
    assert.ok(chunk.body.length <= 600);
    assert.ok(chunk.count > 1 && chunk.count < 400);
    assert.deepEqual(JSON.parse(gunzipSync(chunk.body).toString('utf8')), events.slice(0, chunk.count).map((e) => JSON.parse(e)));
    assert.deepEqual(await encodeChunk(['"' + 'x'.repeat(10) + '"'], 20), { ok: false });
  });
});
