import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type { EventV1 } from '../../src/decision-log/event.js';
import { DecisionLogCounters } from '../../src/decision-log/stats.js';
import { consoleSink, fileSink } from '../../src/decision-log/stream-sink.js';
import { tempDir } from '../support/temp-policy.js';
import { readEvents } from './support.js';

const event = (id: string): EventV1 => ({
  labels: { id: 'h', version: 'v' }, decision_id: id, path: 'taskguard/tasks/decision', result: { allow: true, reasons: [] },
  timestamp: '2026-12-01T00:00:00.000000000Z',
});
const encoded = (id: string) => ({ event: event(id), json: JSON.stringify(event(id)) });
const options = (counters: DecisionLogCounters) => ({ maxPendingBytes: 1 << 20, counters, onError: assert.fail });

describe('the console and file sinks', () => {
  it('console: one JSON line per event with OPA\'s console fields (level, msg, time, type) added', async () => {
    const stream = new PassThrough();
    let out = '';
    stream.on('data', (d: Buffer) => (out += d.toString('utf8')));
    const sink = consoleSink(stream, options(new DecisionLogCounters()));
    sink.accept([encoded('a'), encoded('b')]);
    await sink.flush();
    const lines = out.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(lines.map((l) => l['decision_id']), ['a', 'b']);
    for (const line of lines) {
      assert.equal(line['msg'], 'Decision Log');
      assert.equal(line['type'], 'openpolicyagent.org/decision_logs');
      assert.equal(line['level'], 'info');
      assert.match(String(line['time']), /^\d{4}-\d\d-\d\dT/);
    }
  });

  it('file: appends EventV1 lines after what the file held', async () => {
    const file = path.join(tempDir('taskguard-sinks-'), 'decisions.jsonl');
    writeFileSync(file, `${JSON.stringify(event('earlier'))}\n`);
    const sink = fileSink(file, options(new DecisionLogCounters()));
    sink.accept([encoded('a')]);
    sink.accept([encoded('b')]);
    await sink.close();
    assert.deepEqual(readEvents(file).map((e) => e.decision_id), ['earlier', 'a', 'b']);
  });

  it('a stream that does not keep up: batches past maxPendingBytes are dropped and counted, not queued without end', () => {
    const stream = new PassThrough({ highWaterMark: 16 });
    const counters = new DecisionLogCounters();
    const sink = consoleSink(stream, { maxPendingBytes: 100, counters, onError: assert.fail });
    for (let i = 0; i < 10; i++) sink.accept([encoded(`e${i}`)]);
    assert.ok(counters.dropped.buffer_full >= 8, `${counters.dropped.buffer_full} dropped`);
  });

  it('a file that cannot be opened: one line for the operator, later events counted as write_failed', async () => {
    const counters = new DecisionLogCounters();
    const lines: string[] = [];
    const sink = fileSink(path.join(tempDir('taskguard-sinks-'), 'missing-dir', 'decisions.jsonl'), { maxPendingBytes: 1 << 20, counters, onError: (l) => lines.push(l) });
    sink.accept([encoded('a')]);
    await sink.flush();
    sink.accept([encoded('b'), encoded('c')]);
    assert.equal(lines.length, 1);
    assert.match(lines[0] as string, /^decision log: cannot write: ENOENT/);
    assert.equal(counters.dropped.write_failed, 3, 'the batch in flight when the file failed, and the later ones');
    await sink.close();
  });
});
