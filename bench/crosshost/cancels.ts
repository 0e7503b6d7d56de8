import { z } from 'zod';
import { readBundle } from '../../src/decision/bundle.js';
import { createDecider } from '../../src/decision/engine.js';
import type { Principal } from '../../src/identity/principal.js';
import { CANCELLED_ELSEWHERE } from '../../src/guard/leases.js';
import type { PostgresTaskStore } from '../../src/stores/postgres.js';
import { deepMerge } from '../../src/util/merge.js';
import { createTaskguard, type Taskguard } from '../../src/wire/v2025/taskguard.js';
import { Rng } from '../lib/rng.js';
import { percentile } from '../lib/stats.js';

/** Leases as the reference host defaults them: a lease pass every 2 s is what a cancel waited for before. */
const LEASE_MS = 15_000;
const LEASE_PASS_MS = 2000;

const principal: Principal = {
  sub: 'bench', tenant: 'acme', clientId: 'bench-app', scopes: ['docs:convert'], roles: ['analyst'], acr: '', authTimeMs: 0,
  issuer: 'https://issuer.bench', expiresAtMs: Date.now() + 3_600_000,
};

export interface CancelLatency {
  /** 'notice': LISTEN/NOTIFY with the lease pass behind it; 'lease-pass': the pass alone, as before. */
  path: 'notice' | 'lease-pass';
  cancels: number;
  p50_ms: number;
  p95_ms: number;
  max_ms: number;
  /** Aborts that came by the lease pass instead of the notice (each waited up to a pass interval). */
  by_lease_pass: number;
}

/**
 * Cancel-to-abort across hosts: a task runs on host A, its owner cancels it through host B, and the time
 * from B's cancel call to the abort of A's work signal is taken. Two guards, each with its own pool, on one
 * schema, as two processes would hold them (in one process here, so one clock measures both ends).
 */
export async function measureCancels(a: PostgresTaskStore, b: PostgresTaskStore, cancels: number, path: CancelLatency['path']): Promise<CancelLatency> {
  const data = { tools: { hold: { task_support: 'required', risk: 'low', required_scopes: ['docs:convert'], max_ttl_ms: 600_000, poll_interval_ms: 500 } } };
  const bundle = readBundle();
  const decider = createDecider(bundle, { data: deepMerge(bundle.data, data) });
  const running = new Map<string, { started: () => void; aborted: (atNs: bigint, reason: string) => void }>();
  const host = (store: PostgresTaskStore, instanceId: string): Taskguard => {
    const guard = createTaskguard({ decider, store, leaseMs: LEASE_MS, instanceId });
    guard.registerTool('hold', { description: 'holds until cancelled', inputSchema: { n: z.number().int() } }, async (args, ctx) => {
      const watcher = running.get(String(args['n']));
      watcher?.started();
      await new Promise<never>((_, reject) => ctx.signal.addEventListener('abort', () => {
        watcher?.aborted(process.hrtime.bigint(), ctx.signal.reason instanceof Error ? ctx.signal.reason.message : '');
        reject(ctx.signal.reason);
      }, { once: true }));
      return { content: [] };
    });
    return guard;
  };
  const one = host(path === 'notice' ? a : withoutNotices(a), 'bench-host-a');
  const two = host(b, 'bench-host-b');
  await Promise.all([one.ready(), two.ready()]);
  // Both hosts listen from their first moments; give the LISTEN connections time to be up before timing.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const samplesMs: number[] = [];
  const rng = new Rng(20_261_201);
  let byLeasePass = 0;
  try {
    for (let n = 0; n < cancels; n++) {
      let started!: () => void;
      const isStarted = new Promise<void>((resolve) => (started = resolve));
      const isAborted = new Promise<{ atNs: bigint; reason: string }>((resolve) => {
        running.set(String(n), { started, aborted: (atNs, reason) => resolve({ atNs, reason }) });
      });
      const outcome = await one.guard.callTool(principal, { name: 'hold', arguments: { n }, task: { ttlMs: undefined }, signal: new AbortController().signal });
      if (outcome.kind !== 'task') throw new Error('bench crosshost: the hold tool did not start a task');
      await isStarted;
      // Without notices, cancels right after the previous abort would fall just after a pass, every time.
      if (path === 'lease-pass') await new Promise((resolve) => setTimeout(resolve, rng.int(0, LEASE_PASS_MS)));
      const t0 = process.hrtime.bigint();
      await two.guard.cancelTask(principal, outcome.record.id);
      const { atNs, reason } = await isAborted;
      samplesMs.push(Number(atNs - t0) / 1e6);
      if (reason !== CANCELLED_ELSEWHERE) byLeasePass += 1;
      running.delete(String(n));
      // Let the stopped task settle before the next, so one cancel never queues behind another.
      while (one.guard.running() > 0) await new Promise((resolve) => setTimeout(resolve, 1));
    }
  } finally {
    one.close();
    two.close();
    await Promise.all([one.drained(2000), two.drained(2000)]);
  }
  const sorted = Float64Array.from(samplesMs).sort();
  const at = (p: number): number => Math.round(percentile(sorted, p) * 100) / 100;
  return { path, cancels, p50_ms: at(0.5), p95_ms: at(0.95), max_ms: at(1), by_lease_pass: byLeasePass };
}

/** The store as a guard sees it without the cancel feed: host A then learns of a cancel at its lease pass only. */
function withoutNotices(store: PostgresTaskStore): PostgresTaskStore {
  return new Proxy(store, {
    get(target, property) {
      if (property === 'watchCancels') return undefined;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
