import type { ListPosition, ListScope, TaskStore } from '../../src/stores/types.js';
import type { Rng } from '../lib/rng.js';
import { summarize, type LatencySummary } from '../lib/stats.js';
import { HEAVY_OWNER, regularOwner, taskId, type Dataset } from './dataset.js';
import { progress } from './target.js';

/** Page size of both listings, as tasks/list asks for. */
export const PAGE_SIZE = 50;
/** Batch of the expiry sweep. */
export const SWEEP_LIMIT = 500;

export const OPS = {
  get: 'get(id)',
  'list-first': `list(owner), first page of ${PAGE_SIZE}`,
  'list-deep': `list(heavy owner), deep page of ${PAGE_SIZE}`,
  'count-live': 'countLive(owner)',
  expired: `expired(now, ${SWEEP_LIMIT})`,
} as const;
export type OpName = keyof typeof OPS;

export interface OpResult {
  op: OpName;
  latency: LatencySummary;
  /** Records (or ids, or the count) each call returned on average: the same at every size, or the comparison is off. */
  perCall: number;
}

export interface MeasureOptions {
  samples: number;
  warmup: number;
  /** Prefix of progress lines: store and size. */
  label: string;
}

/** One call of an operation, on input k; resolves to how many records (ids, tasks counted) it returned. */
type Call = (k: number) => Promise<number>;

/**
 * Times each operation: `warmup` untimed calls, then `samples` timed ones, each awaited alone and timed with
 * process.hrtime.bigint. Inputs are drawn before the loop, so the timed region holds only the store call.
 * get picks any row; the first page a random regular owner (about 100 tasks, so the page is full); the deep
 * page starts after a random position of the heavy owner (not within the last page, so it is full too).
 */
export async function measureStore(store: TaskStore, ds: Dataset, heavyPositions: readonly ListPosition[], rng: Rng, options: MeasureOptions): Promise<OpResult[]> {
  const listSamples = Math.max(1, Math.floor(options.samples / 4));
  const sweepSamples = Math.max(1, Math.floor(options.samples / 20));
  const listWarmup = options.warmup;
  const sweepWarmup = Math.floor(options.warmup / 10);
  const deepStarts = heavyPositions.slice(0, Math.max(1, heavyPositions.length - PAGE_SIZE));
  const now = ds.nowMs;

  const ids = draw(options.warmup + options.samples, () => taskId(rng.int(0, ds.size - 1)));
  const firstScopes = draw(listWarmup + listSamples, (): ListScope => ({ kind: 'owner', owner: regularOwner(rng.int(0, ds.owners - 1)) }));
  const heavy: ListScope = { kind: 'owner', owner: HEAVY_OWNER };
  const afters = draw(listWarmup + listSamples, () => rng.pick(deepStarts));
  const countOwners = draw(listWarmup + listSamples, () => regularOwner(rng.int(0, ds.owners - 1)));

  const plan: [OpName, number, number, Call][] = [
    ['get', options.warmup, options.samples, async (k) => ((await store.get(at(ids, k))) ? 1 : fail(`get ${at(ids, k)}: not found`))],
    ['list-first', listWarmup, listSamples, async (k) => (await store.list(at(firstScopes, k), now, undefined, PAGE_SIZE)).records.length],
    ['list-deep', listWarmup, listSamples, async (k) => (await store.list(heavy, now, at(afters, k), PAGE_SIZE)).records.length],
    ['count-live', listWarmup, listSamples, async (k) => store.countLive(at(countOwners, k), now)],
    ['expired', sweepWarmup, sweepSamples, async () => (await store.expired(now, SWEEP_LIMIT)).length],
  ];
  const results: OpResult[] = [];
  for (const [op, warmup, samples, call] of plan) {
    results.push(await timeOp(op, call, warmup, samples, `${options.label} ${OPS[op]}`));
  }
  return results;
}

async function timeOp(op: OpName, call: Call, warmup: number, samples: number, label: string): Promise<OpResult> {
  for (let k = 0; k < warmup; k++) await call(k);
  const ns = new Float64Array(samples);
  let returned = 0;
  const started = process.hrtime.bigint();
  let nextReport = started + 2_000_000_000n;
  for (let k = 0; k < samples; k++) {
    const t0 = process.hrtime.bigint();
    returned += await call(warmup + k);
    const t1 = process.hrtime.bigint();
    ns[k] = Number(t1 - t0);
    if (t1 >= nextReport) {
      nextReport = t1 + 2_000_000_000n;
      progress(`${label}: ${k + 1}/${samples}`);
    }
  }
  const latency = summarize(ns, Number(process.hrtime.bigint() - started));
  progress(`${label}: p50 ${latency.p50_us.toFixed(1)} us, p99 ${latency.p99_us.toFixed(1)} us over ${samples} calls`);
  return { op, latency, perCall: returned / samples };
}

function draw<T>(n: number, next: () => T): T[] {
  return Array.from({ length: n }, next);
}

function at<T>(items: readonly T[], k: number): T {
  return items[k % items.length] as T;
}

function fail(message: string): never {
  throw new Error(message);
}
