import { createSharedRateLimiter, type SliceStore } from '../../src/guard/shared-rate-limit.js';
import type { PostgresTaskStore } from '../../src/stores/postgres.js';

export interface SliceCosts {
  scenario: string;
  limit_per_minute: number;
  principals: number;
  requests: number;
  admitted: number;
  /** Slice statements (INSERT ... ON CONFLICT DO UPDATE), each at most one row written. */
  slice_statements: number;
  /** Those that handed out budget (a statement that finds the budget spent writes nothing). */
  slice_writes: number;
  /** Prune statements (one per host per window). */
  prune_statements: number;
  writes_per_1000_requests: number;
}

interface Counted extends SliceStore {
  statements: number;
  writes: number;
  prunes: number;
}

function counted(store: PostgresTaskStore): Counted {
  const counts: Counted = {
    statements: 0, writes: 0, prunes: 0,
    takeSlice: async (...args) => {
      counts.statements += 1;
      const got = await store.takeSlice(...args);
      if (got > 0) counts.writes += 1;
      return got;
    },
    pruneSlices: (beforeMs) => {
      counts.prunes += 1;
      return store.pruneSlices(beforeMs);
    },
  };
  return counts;
}

/**
 * Database writes per 1,000 rate-limited requests: `requests` takes spread round-robin over two hosts (each
 * with its own pool on one schema) and over `principals` principals, inside one window, about one a
 * millisecond (a principal far busier than a person: 60,000 a minute). Unpaced, a thousand takes pass in a
 * few milliseconds, faster than a slice answer on a loaded machine, and the run measures refusals while
 * refilling instead of the cost.
 */
export async function measureSlices(
  a: PostgresTaskStore, b: PostgresTaskStore, scenario: string, limit: number, principals: number, requests: number, windowMs: number,
): Promise<SliceCosts> {
  const stores = [counted(a), counted(b)];
  const errors: string[] = [];
  const hosts = stores.map((s) => createSharedRateLimiter(s, limit, { onError: (err) => errors.push(err.message) }));
  let admitted = 0;
  for (let i = 0; i < requests; i++) {
    const host = hosts[i % hosts.length];
    if (host?.take(`${scenario}-principal-${Math.floor(i / hosts.length) % principals}`, windowMs + 1) === 0) admitted += 1;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(hosts.map((h) => h.settled()));
  // A failed slice request refuses beyond the credit: such a run measures the failure, not the cost.
  if (errors.length > 0) throw new Error(`bench crosshost: ${errors.length} slice request(s) failed, first: ${errors[0] ?? ''}`);
  const sum = (pick: (c: Counted) => number): number => stores.reduce((total, c) => total + pick(c), 0);
  const writes = sum((c) => c.writes) + sum((c) => c.prunes);
  return {
    scenario, limit_per_minute: limit, principals, requests, admitted,
    slice_statements: sum((c) => c.statements), slice_writes: sum((c) => c.writes), prune_statements: sum((c) => c.prunes),
    writes_per_1000_requests: Math.round((writes * 1000 / requests) * 10) / 10,
  };
}
