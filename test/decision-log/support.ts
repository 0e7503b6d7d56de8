import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import type { EventV1 } from '../../src/decision-log/event.js';

export interface Upload {
  headers: IncomingHttpHeaders;
  /** The compressed body's size, as OPA's upload_size_limit_bytes counts it. */
  bytes: number;
  events: EventV1[];
}

/**
 * A minimal OPA-compatible decision-log collector on 127.0.0.1: `POST /logs` with a gzip'd JSON array of
 * events, answered with `status()` (200 unless a test says otherwise), as OPA's docs describe a log service.
 */
export interface Collector {
  url: string;
  uploads: Upload[];
  /** Every event of every 2xx upload, in arrival order. */
  events(): EventV1[];
  /** Requests answered with something else than 2xx. */
  refused: number;
  /** How to answer; `request` counts from 0 at this call. */
  setStatus(status: (request: number) => number): void;
  close(): Promise<void>;
}

export async function startCollector(): Promise<Collector> {
  let status = (_request: number): number => 200;
  let requests = 0;
  const collector: Collector = {
    url: '', uploads: [], refused: 0,
    events: () => collector.uploads.flatMap((u) => u.events),
    setStatus: (s) => {
      status = s;
      requests = 0;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = status(requests++);
      if (req.method !== 'POST' || req.url !== '/logs' || req.headers['content-encoding'] !== 'gzip') {
        res.writeHead(400).end();
        return;
      }
      const body = Buffer.concat(chunks);
      if (answer >= 200 && answer < 300) {
        const events = JSON.parse(gunzipSync(body).toString('utf8')) as unknown;
        assert.ok(Array.isArray(events), 'an upload is a json array');
        collector.uploads.push({ headers: req.headers, bytes: body.length, events: events as EventV1[] });
      } else {
        collector.refused++;
      }
      res.writeHead(answer, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  collector.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return collector;
}

export function readEvents(file: string): EventV1[] {
  const text = readFileSync(file, 'utf8');
  return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as EventV1);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The EventV1 fields taskguard fills, with the types OPA's struct gives them (v1/plugins/logs/plugin.go). */
export function assertEventV1(event: EventV1): void {
  const allowed = ['labels', 'decision_id', 'bundles', 'path', 'input', 'result', 'erased', 'masked', 'timestamp', 'metrics', 'custom', 'nd_builtin_cache'];
  assert.deepEqual(Object.keys(event).filter((k) => !allowed.includes(k)), []);
  assert.match(event.decision_id, UUID);
  assert.equal(typeof event.labels.id, 'string');
  assert.equal(typeof event.labels.version, 'string');
  for (const value of Object.values(event.labels)) assert.equal(typeof value, 'string');
  assert.equal(event.path, 'taskguard/tasks/decision');
  assert.match(event.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
  assert.match(event.bundles?.['taskguard']?.revision ?? '', /^[0-9a-f]{64}$/);
  const result = event.result as { allow?: unknown; reasons?: unknown };
  assert.equal(typeof result.allow, 'boolean');
  assert.ok(Array.isArray(result.reasons));
  for (const list of [event.erased, event.masked]) {
    if (list !== undefined) for (const p of list) assert.match(p, /^\/(input|result|nd_builtin_cache)(\/|$)/);
  }
  if (event.metrics) for (const v of Object.values(event.metrics)) assert.ok(Number.isInteger(v) && v >= 0);
  const custom = event.custom?.taskguard;
  assert.ok(custom && (custom.decided_by === 'policy' || custom.decided_by === 'guard'));
  if (custom.decided_by === 'policy') {
    assert.equal((event.input as { op?: unknown }).op, custom.op);
    assert.equal(typeof event.metrics?.['timer_rego_query_eval_ns'], 'number');
  } else {
    assert.equal(event.input, undefined);
  }
}

export async function waitFor<T>(what: string, check: () => T | undefined, limitMs = 15_000): Promise<T> {
  const until = Date.now() + limitMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
