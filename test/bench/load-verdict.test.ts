import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { clientKind, parseLoadFlags } from '../../bench/load/flags.js';
import type { GeneratorStats } from '../../bench/load/generator.js';
import { sseMessages, rpcResult, RpcReplyError } from '../../bench/load/raw-http.js';
import { formatVerdict, type ConfigResult } from '../../bench/load/report.js';
import type { LatencyMs } from '../../bench/load/recorder.js';
import type { ServerMode } from '../../bench/load/protocol.js';
import { allTargetsMet, pairVerdict, verdictJson, type PairContext } from '../../bench/load/verdict.js';

/** The load bench's verdict: issue 11's ratios and targets per wire, and no verdict from a generator-bound run. */
const latency = (p50: number): LatencyMs => ({ count: 100, p50, p99: p50 * 3, p999: p50 * 4, max: p50 * 5 });
const generator = (cpuShare: number, loopDelayP99Ms = 8): GeneratorStats => ({
  cpuMs: cpuShare * 10_000, wallMs: 10_000, loopDelayP99Ms, machineStart: undefined, machineEnd: undefined,
});

function config(mode: ServerMode, figures: { getP50: number; tasksPerS: number; serverCpuMs: number; rssMb: number; generator: GeneratorStats }): ConfigResult {
  return {
    mode, detail: '', tasksPerS: figures.tasksPerS, requestsPerS: figures.tasksPerS * 4,
    get: latency(figures.getP50), create: latency(1), result: latency(1), probe: latency(1),
    errors: 0, errorKinds: [], probes: 10, probesRefused: 10, crossTenantReads: 0, abandoned: 0, unfinishedLoops: 0,
    server: { cpuMs: figures.serverCpuMs, wallMs: 10_000, loopDelayP50Ms: 5, loopDelayP99Ms: 9, rssMb: figures.rssMb, heapUsedMb: figures.rssMb / 2, heapTotalMb: figures.rssMb / 2, externalMb: 10, startRssMb: 100, toolRuns: 0, toolFailures: 0 },
    generator: figures.generator, foreignCores: 0,
  };
}

const at = (clients: number): PairContext => ({ wire: '2025-11-25', client: 'raw', store: 'memory', clients });
// requests/s 400 on both sides: 3000 / 3300 ms of server CPU over 10 s is 750 / 825 us a request (1.10).
const off = config('guard-off', { getP50: 1.0, tasksPerS: 100, serverCpuMs: 3000, rssMb: 200, generator: generator(0.4) });
const onMeeting = config('guard-on', { getP50: 1.1, tasksPerS: 99, serverCpuMs: 3300 * 0.99, rssMb: 230, generator: generator(0.4) });

describe('load bench verdict (issue 11 targets)', () => {
  it('judges each target at 20 clients, RSS only at 200', () => {
    const verdict = pairVerdict(onMeeting, off, at(20));
    const json = verdictJson(verdict);
    assert.equal(json['generator_bound'], false);
    assert.deepEqual(json['ratios'], { server_cpu_per_request: 1.1, get_p50: 1.1, throughput: 0.99, rss: 1.15 });
    const targets = json['targets'] as Record<string, { met: boolean | null; applies: boolean }>;
    assert.equal(targets['server_cpu_per_request']?.met, true);
    assert.equal(targets['get_p50']?.met, true);
    assert.equal(targets['throughput']?.met, true);
    assert.deepEqual(targets['rss'], { max: 1.2, applies: false, met: null });
    assert.equal(allTargetsMet(verdict), true);
  });

  it('holds 200 clients to get p50 <= 1.25 and RSS <= 1.20', () => {
    const slower = config('guard-on', { getP50: 1.2, tasksPerS: 100, serverCpuMs: 3000, rssMb: 250, generator: generator(0.4) });
    const targets = verdictJson(pairVerdict(slower, off, at(200)))['targets'] as Record<string, { met: boolean | null }>;
    assert.equal(targets['get_p50']?.met, true);
    assert.equal(targets['rss']?.met, false);
    assert.equal(verdictJson(pairVerdict(slower, off, at(20)))['targets_met'], false);
  });

  it('reports no ratio and no verdict when a window\'s generator used 90% of a core', () => {
    const boundOff = { ...off, generator: generator(0.9) };
    const verdict = pairVerdict(onMeeting, boundOff, at(200));
    const json = verdictJson(verdict);
    assert.equal(json['generator_bound'], true);
    assert.deepEqual(json['ratios'], { server_cpu_per_request: null, get_p50: null, throughput: null, rss: null });
    assert.equal(json['targets_met'], null);
    assert.match(formatVerdict(verdict), /generator-bound: ratio not reported/);
    assert.match(formatVerdict(verdict), /generator-bound: guard-off: CPU 90% of a core/);
  });

  it('calls a generator bound by its loop delay, with CPU to spare', () => {
    const late = { ...onMeeting, generator: generator(0.3, 80) };
    assert.equal(pairVerdict(late, off, at(200)).generatorBound, true);
    assert.equal(pairVerdict({ ...onMeeting, generator: generator(0.89, 49) }, off, at(200)).generatorBound, false);
    const waited = pairVerdict({ ...late, foreignCores: 1.5 }, off, at(200));
    assert.match(waited.boundBy[0] ?? '', /loop delay p99 80\.0 ms .* with CPU to spare \(30%\) while other processes used 150% of a CPU/);
  });

  it('marks a window with other processes over a tenth of a CPU as contended', () => {
    assert.equal(pairVerdict({ ...onMeeting, foreignCores: 0.5 }, off, at(20)).contended, true);
    assert.equal(pairVerdict(onMeeting, off, at(20)).contended, false);
  });
});

describe('load bench flags: --client and --store', () => {
  it('auto uses SDK clients at 50 and below, raw HTTP above; sdk and raw are taken as said', () => {
    assert.equal(clientKind({ client: 'auto', clients: 20 }), 'sdk');
    assert.equal(clientKind({ client: 'auto', clients: 50 }), 'sdk');
    assert.equal(clientKind({ client: 'auto', clients: 200 }), 'raw');
    assert.equal(clientKind({ client: 'sdk', clients: 200 }), 'sdk');
    assert.equal(clientKind({ client: 'raw', clients: 20 }), 'raw');
  });

  it('parses both forms next to the numeric flags and switches, and refuses other values', () => {
    const flags = parseLoadFlags(['--client', 'raw', '--store=sqlite', '--clients', '20', '--skip-2026']);
    assert.equal(flags?.client, 'raw');
    assert.equal(flags?.store, 'sqlite');
    assert.equal(flags?.clients, 20);
    assert.equal(flags?.['skip-2026'], true);
    assert.deepEqual([parseLoadFlags([])?.client, parseLoadFlags([])?.store], ['auto', 'memory']);
    assert.throws(() => parseLoadFlags(['--store', 'postgres']), /--store wants one of memory, sqlite/);
    assert.throws(() => parseLoadFlags(['--client']), /--client wants one of/);
  });
});

describe('raw-HTTP answers: JSON or SSE', () => {
  const reply = (contentType: string, text: string) => ({ status: 200, headers: { 'content-type': contentType }, text });

  it('finds the answer to its request among SSE events (notifications, keep-alive comments, multi-line data)', () => {
    const text = ': keepalive\n\nevent: message\ndata: {"jsonrpc":"2.0","method":"notifications/progress","params":{}}\n\n'
      + 'event: message\ndata: {"jsonrpc":"2.0","id":3,\ndata: "result":{"ok":true}}\n\n';
    assert.equal(sseMessages(text).length, 2);
    assert.deepEqual(rpcResult(reply('text/event-stream', text), 3), { ok: true });
  });

  it('reads a JSON body, a batch, and an error answer with its code', () => {
    assert.deepEqual(rpcResult(reply('application/json', '{"jsonrpc":"2.0","id":1,"result":{"a":1}}'), 1), { a: 1 });
    assert.deepEqual(rpcResult(reply('application/json', '[{"jsonrpc":"2.0","id":2,"result":{}},{"jsonrpc":"2.0","id":1,"result":{"b":2}}]'), 1), { b: 2 });
    assert.throws(() => rpcResult(reply('application/json', '{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"task not found"}}'), 1),
      (err: unknown) => err instanceof RpcReplyError && err.code === -32602);
    assert.throws(() => rpcResult(reply('application/json', '{"jsonrpc":"2.0","id":9,"result":{}}'), 1), /without the answer to request 1/);
  });
});
