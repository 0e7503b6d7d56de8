import os from 'node:os';
import { UsageError } from './lib/args.js';
import { Rng } from './lib/rng.js';
import type { ListPosition } from '../src/stores/types.js';
import { HEAVY_OWNER, makeDataset, regularOwner, taskId, TASKS_PER_OWNER, type Dataset } from './stores/dataset.js';
import { parseStoresFlags, storesUsage, type StoreKind, type StoresFlags } from './stores/flags.js';
import { StoreMeasurement } from './stores/measure.js';
import { NO_POSTGRES, openPostgresTarget, postgresFacts, postgresUrl } from './stores/postgres-target.js';
import { disturbed, flatness, formatFacts, formatFlatness, formatJson, formatResults, formatSize, type Facts, type SizeResult } from './stores/report.js';
import { openSqliteTarget, sqliteVersion } from './stores/sqlite-target.js';
import { progress, type DiagnosisInputs, type StoreTarget } from './stores/target.js';
import { verifySeed } from './stores/verify.js';

/**
 * `npm run bench -- stores`: the task stores' read paths (get, one owner's list pages, countLive, the expiry
 * sweep) on tables of growing size, SQLite and PostgreSQL, through the TaskStore interface the guard uses.
 * The indexes are meant to keep get and list-by-owner flat as the table grows; the ratio of the largest
 * table's latency to the smallest's says whether they do.
 */
export async function runStoresBenchmark(args: readonly string[]): Promise<number> {
  let flags: StoresFlags | undefined;
  try {
    flags = parseStoresFlags(args);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`bench stores: ${err.message}\n${storesUsage()}`);
    return 2;
  }
  if (flags === undefined) {
    console.log(storesUsage());
    return 0;
  }
  const url = postgresUrl();
  if (flags.stores.includes('postgres') && url === undefined) {
    // Before seeding anything: a run that finds out after the SQLite half is a wasted run.
    console.error(NO_POSTGRES);
    return 2;
  }

  const started = Date.now();
  const cpus = os.cpus();
  const facts: Facts = {
    date: new Date(started).toISOString().slice(0, 10),
    node: process.version,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    sqlite: flags.stores.includes('sqlite') ? sqliteVersion() : undefined,
    postgres: flags.stores.includes('postgres') && url !== undefined ? await postgresFacts(url) : undefined,
  };
  progress(formatFacts(facts).replace('\n', '; '));
  progress(`sizes ${flags.sizes.map(formatSize).join(', ')}; stores ${flags.stores.join(', ')}; ~${TASKS_PER_OWNER} tasks per owner plus one owner with ${flags['heavy-tasks']}`);

  const results: SizeResult[] = [];
  const plans = new Map<StoreKind, Record<string, string>>();
  const notes: string[] = [];
  const datasets = flags.sizes.map((size) => makeDataset(size, flags['heavy-tasks'], started));
  for (const ds of datasets) progress(`size ${formatSize(ds.size)}: ${ds.owners.toLocaleString('en-US')} regular owners, ${ds.expiredPermille / 10}% expired`);
  for (const kind of flags.stores) {
    // Every size of one store is open at once, so the rounds can alternate between them.
    const open: Opened[] = [];
    try {
      for (const ds of datasets) open.push(await prepare(kind, ds, flags, url, plans, notes));
      for (let r = 0; r < flags.rounds; r++) {
        // Alternating the order too: neither size always runs right after the other's round.
        for (const o of r % 2 === 0 ? open : [...open].reverse()) await o.measurement.round();
      }
      for (const o of open) {
        results.push({ store: kind, size: o.ds.size, seedSeconds: o.seedSeconds, ops: o.measurement.results() });
        if (o.target.diagnose) {
          const diagnosis = await o.target.diagnose(diagnosisInputs(o.ds, o.positions, new Rng(flags.seed + 2)));
          for (const [op, text] of Object.entries(diagnosis)) {
            progress(`${o.label} ${op}: ${text}`);
            notes.push(`${o.label} ${op}: ${text}`);
          }
        }
      }
    } finally {
      for (const o of open) await o.target.close();
    }
  }

  const flat = flatness(results);
  const wallSeconds = (Date.now() - started) / 1000;
  console.log('');
  console.log(formatFacts(facts));
  console.log('');
  console.log(formatResults(results));
  for (const line of disturbed(results)) console.log(line);
  console.log('');
  console.log(formatFlatness(flat));
  console.log('');
  console.log(`seeding: ${results.map((r) => `${r.store} ${formatSize(r.size)} ${r.seedSeconds.toFixed(1)} s`).join(', ')}; wall time ${wallSeconds.toFixed(0)} s`);
  console.log(`plans at ${formatSize(flags.sizes.at(-1) ?? 0)}:`);
  for (const [kind, plan] of plans) for (const [statement, text] of Object.entries(plan)) console.log(`  ${kind} ${statement}: ${text}`);
  console.log('storage and cache:');
  for (const note of notes) console.log(`  ${note}`);
  console.log(formatJson(results, flat, facts, { samples: flags.samples, warmup: flags.warmup, heavy_tasks: flags['heavy-tasks'], rounds: flags.rounds, seed: flags.seed, wall_seconds: Math.round(wallSeconds) }));
  return 0;
}

/** A few dozen inputs like the timed ones, for the diagnostic pass. */
function diagnosisInputs(ds: Dataset, positions: readonly ListPosition[], rng: Rng): DiagnosisInputs {
  const n = 40;
  const starts = positions.slice(0, Math.max(1, positions.length - 50));
  return {
    nowMs: ds.nowMs,
    ids: Array.from({ length: n }, () => taskId(rng.int(0, ds.size - 1))),
    owners: Array.from({ length: n }, () => regularOwner(rng.int(0, ds.owners - 1))),
    heavy: HEAVY_OWNER,
    afters: Array.from({ length: n }, () => rng.pick(starts)),
  };
}

interface Opened {
  ds: Dataset;
  label: string;
  target: StoreTarget;
  seedSeconds: number;
  positions: ListPosition[];
  measurement: StoreMeasurement;
}

/** Opens and seeds one store at one size, checks the seed, and records its plans and storage. */
async function prepare(kind: StoreKind, ds: Dataset, flags: StoresFlags, url: string | undefined, plans: Map<StoreKind, Record<string, string>>, notes: string[]): Promise<Opened> {
  const label = `${kind} ${formatSize(ds.size)}`;
  const seedStart = process.hrtime.bigint();
  const target: StoreTarget = kind === 'sqlite' ? await openSqliteTarget(ds) : await openPostgresTarget(ds, url as string);
  try {
    const seedSeconds = Number(process.hrtime.bigint() - seedStart) / 1e9;
    progress(`${label}: seeded in ${seedSeconds.toFixed(1)} s; verifying`);
    const positions = await verifySeed(target, ds, new Rng(flags.seed + 1));
    const plan = await target.plans();
    for (const [statement, text] of Object.entries(plan)) progress(`${label} plan ${statement}: ${text}`);
    // The largest size's plans are the ones reported (sizes ascend).
    plans.set(kind, plan);
    const storage = await target.describe();
    progress(`${label}: ${storage}`);
    notes.push(`${label}: ${storage}`);
    // The same seed for every store: at one size, both stores are asked for the same ids, owners and positions.
    const measurement = new StoreMeasurement(target.store, ds, positions, new Rng(flags.seed), {
      samples: flags.samples, warmup: flags.warmup, rounds: flags.rounds, label, serverPids: () => target.serverPids(),
      ping: target.ping,
    });
    return { ds, label, target, seedSeconds, positions, measurement };
  } catch (err) {
    await target.close();
    throw err;
  }
}
