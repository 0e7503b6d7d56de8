import { randomBytes } from 'node:crypto';
import os from 'node:os';
import pg from 'pg';
import { WINDOW_MS } from '../src/guard/shared-rate-limit.js';
import { PostgresTaskStore } from '../src/stores/postgres.js';
import { flagHelp, parseIntFlags, UsageError, type IntFlags } from './lib/args.js';
import { measureCancels } from './crosshost/cancels.js';
import { measureSlices, type SliceCosts } from './crosshost/slices.js';
import { postgresFacts, postgresUrl, POSTGRES_URL_VARS } from './stores/postgres-target.js';

const FLAGS = {
  cancels: { default: 50, help: 'tasks started on host A and cancelled through host B' },
  'lease-cancels': { default: 10, help: 'the same with the notices off, so the lease pass (every 2 s) stops the work, as before; 0 skips', min: 0 },
  requests: { default: 1000, help: 'rate-limited requests per scenario, round-robin over the two hosts' },
} as const satisfies IntFlags<string>;

const USAGE = `usage: npm run bench -- crosshost [flags]   (needs ${POSTGRES_URL_VARS.join(' or ')})\n${flagHelp(FLAGS)}`;

/**
 * `npm run bench -- crosshost`: two hosts sharing PostgreSQL. Cancel-to-abort latency when a task running on
 * one host is cancelled through the other (LISTEN/NOTIFY, instead of the next lease pass), and what the
 * shared rate limit costs the database per 1,000 requests.
 */
export async function runCrosshostBenchmark(args: readonly string[]): Promise<number> {
  let flags: Record<keyof typeof FLAGS, number> | undefined;
  try {
    flags = parseIntFlags(args, FLAGS);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`bench crosshost: ${err.message}\n${USAGE}`);
    return 2;
  }
  if (flags === undefined) {
    console.log(USAGE);
    return 0;
  }
  const url = postgresUrl();
  if (url === undefined) {
    console.error(`bench crosshost: neither ${POSTGRES_URL_VARS.join(' nor ')} is set; start a server with\n  eval "$(bash scripts/postgres-test.sh start /tmp/pg-bench)"`);
    return 2;
  }
  const schema = `tg_bench_${randomBytes(6).toString('hex')}`;
  const a = await PostgresTaskStore.open({ connectionString: url, schema });
  const b = await PostgresTaskStore.open({ connectionString: url, schema });
  try {
    const cpus = os.cpus();
    console.error(`bench crosshost: node ${process.version}, ${cpus.length} x ${cpus[0]?.model.trim() ?? 'unknown'}, postgres ${await postgresFacts(url)}`);
    const cancel = [await measureCancels(a, b, flags.cancels, 'notice')];
    if (flags['lease-cancels'] > 0) cancel.push(await measureCancels(a, b, flags['lease-cancels'], 'lease-pass'));
    for (const c of cancel) {
      console.log(`cancel through host B -> abort on host A (${c.path}): p50 ${c.p50_ms} ms, p95 ${c.p95_ms} ms, max ${c.max_ms} ms over ${c.cancels} cancels (${c.by_lease_pass} by the lease pass)`);
    }
    // Each scenario in a window of its own, far from the clock's, so none shares a budget with another.
    const window = (n: number): number => (100 + n) * WINDOW_MS;
    const slices: SliceCosts[] = [
      await measureSlices(a, b, 'busy-under-limit', 6000, 1, flags.requests, window(1)),
      await measureSlices(a, b, 'busy-over-limit', 600, 1, flags.requests, window(2)),
      await measureSlices(a, b, 'many-principals', 600, 100, flags.requests, window(3)),
      await measureSlices(a, b, 'many-principals-low-limit', 60, 100, flags.requests, window(4)),
    ];
    for (const s of slices) {
      console.log(`rate limit ${s.scenario}: ${s.limit_per_minute}/min, ${s.principals} principal(s), ${s.admitted}/${s.requests} admitted, ` +
        `${s.slice_writes} slice writes + ${s.prune_statements} prunes (${s.slice_statements} slice statements) = ${s.writes_per_1000_requests} writes per 1,000 requests`);
    }
    console.log(JSON.stringify({ benchmark: 'crosshost', date: new Date().toISOString(), node: process.version, cpus: cpus.length, cancel, slices }));
    return 0;
  } finally {
    await a.close();
    await b.close();
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).finally(() => admin.end());
  }
}
