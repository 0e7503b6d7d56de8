import type { ListPosition, ListScope, TaskStore } from '../../src/stores/types.js';
import type { Rng } from '../lib/rng.js';
import { summarize, type LatencySummary } from '../lib/stats.js';
import { addSpent, cpuWindow, otherCores, type CpuSpent } from './cpu.js';
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
  ping: 'round trip: SELECT 1, no store',
} as const;
export type OpName = keyof typeof OPS;

export interface OpResult {
  op: OpName;
  latency: LatencySummary;
  /** Records (or ids, or the count) each call returned on average: the same at every size, or the comparison is off. */
  perCall: number;
  /** Cores' worth of CPU other processes took while this operation was timed (undefined off Linux or when too short to say). */
  otherCores: number | undefined;
}

export interface MeasureOptions {
  /** Timed get calls over all rounds; list and countLive take a quarter, the sweep a twentieth. */
  samples: number;
  /** Untimed calls per operation before its first round; later rounds re-warm with a tenth of it. */
  warmup: number;
  rounds: number;
  /** Prefix of progress lines: store and size. */
  label: string;
  /** The database server's processes working for the store: their CPU is ours, not "other". */
  serverPids(): Promise<number[]>;
  /** A bare round trip to the database server, timed as one more operation; none for an in-process store. */
  ping: (() => Promise<void>) | undefined;
}

/** One call of an operation, on input k; resolves to how many records (ids, tasks counted) it returned. */
type Call = (k: number) => Promise<number>;

interface OpState {
  op: OpName;
  call: Call;
  warmup: number;
  samples: Float64Array;
  taken: number;
  loopNs: number;
  returned: number;
  cpu: CpuSpent;
}

/**
 * The timed calls of one store at one size, split into rounds so that the benchmark can interleave sizes:
 * this VM has phases of several seconds where its CPUs run much slower, and a ratio between two sizes
 * measured one after the other would mostly measure those. Each call is awaited alone and timed with
 * process.hrtime.bigint. Inputs are drawn up front, so the timed region holds only the store call.
 * get picks any row; the first page a random regular owner (about 100 tasks, so the page is full); the deep
 * page starts after a random position of the heavy owner (not within the last page, so it is full too).
 */
export class StoreMeasurement {
  readonly #ops: OpState[];
  readonly #options: MeasureOptions;
  #round = 0;

  constructor(store: TaskStore, ds: Dataset, heavyPositions: readonly ListPosition[], rng: Rng, options: MeasureOptions) {
    this.#options = options;
    const listSamples = Math.max(options.rounds, Math.floor(options.samples / 4));
    const sweepSamples = Math.max(options.rounds, Math.floor(options.samples / 20));
    const now = ds.nowMs;
    const deepStarts = heavyPositions.slice(0, Math.max(1, heavyPositions.length - PAGE_SIZE));
    const heavy: ListScope = { kind: 'owner', owner: HEAVY_OWNER };
    const ids = draw(options.warmup + options.samples, () => taskId(rng.int(0, ds.size - 1)));
    const firstScopes = draw(options.warmup + listSamples, (): ListScope => ({ kind: 'owner', owner: regularOwner(rng.int(0, ds.owners - 1)) }));
    const afters = draw(options.warmup + listSamples, () => rng.pick(deepStarts));
    const countOwners = draw(options.warmup + listSamples, () => regularOwner(rng.int(0, ds.owners - 1)));
    const state = (op: OpName, warmup: number, samples: number, call: Call): OpState => ({
      op, call, warmup, samples: new Float64Array(samples), taken: 0, loopNs: 0, returned: 0, cpu: { machineMs: 0, ownMs: 0, wallMs: 0 },
    });
    this.#ops = [
      state('get', options.warmup, options.samples, async (k) => ((await store.get(at(ids, k))) ? 1 : fail(`get ${at(ids, k)}: not found`))),
      state('list-first', options.warmup, listSamples, async (k) => (await store.list(at(firstScopes, k), now, undefined, PAGE_SIZE)).records.length),
      state('list-deep', options.warmup, listSamples, async (k) => (await store.list(heavy, now, at(afters, k), PAGE_SIZE)).records.length),
      state('count-live', options.warmup, listSamples, async (k) => store.countLive(at(countOwners, k), now)),
      state('expired', Math.floor(options.warmup / 10), sweepSamples, async () => (await store.expired(now, SWEEP_LIMIT)).length),
    ];
    const ping = options.ping;
    if (ping) {
      this.#ops.push(state('ping', options.warmup, listSamples, async () => {
        await ping();
        return 0;
      }));
    }
  }

  /** The next round: every operation's next share of its samples, after a warm-up. */
  async round(): Promise<void> {
    const { rounds, label } = this.#options;
    const r = this.#round++;
    if (r >= rounds) throw new Error(`${label}: all ${rounds} rounds are done`);
    for (const s of this.#ops) {
      // The whole warm-up before the first round; a tenth before the others, to bring the caches back after
      // the other table's round (and, for PostgreSQL, a connection the pool closed as idle meanwhile, whose
      // prepared statements are parsed again on first use).
      const warmup = r === 0 ? s.warmup : Math.floor(s.warmup / 10);
      for (let k = 0; k < warmup; k++) await s.call(k % Math.max(1, s.warmup));
      // After the warm-up, so the pool's connections exist.
      const cpu = cpuWindow(await this.#options.serverPids());
      const end = Math.floor((s.samples.length * (r + 1)) / rounds);
      const started = process.hrtime.bigint();
      for (; s.taken < end; s.taken++) {
        const t0 = process.hrtime.bigint();
        s.returned += await s.call(s.warmup + s.taken);
        s.samples[s.taken] = Number(process.hrtime.bigint() - t0);
      }
      s.loopNs += Number(process.hrtime.bigint() - started);
      s.cpu = addSpent(s.cpu, cpu.end());
    }
    progress(`${label}: round ${r + 1}/${rounds} done (${this.#ops.map((s) => `${s.op} p50 ${summarize(s.samples.subarray(0, s.taken), 0).p50_us.toFixed(1)} us`).join(', ')})`);
  }

  results(): OpResult[] {
    return this.#ops.map((s) => ({
      op: s.op,
      latency: summarize(s.samples.subarray(0, s.taken), s.loopNs),
      perCall: s.returned / Math.max(1, s.taken),
      otherCores: otherCores(s.cpu),
    }));
  }
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
