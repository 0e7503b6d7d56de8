import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { verifyAuditSeries } from '../src/audit/series-verify.js';
import { loadHostConfig } from '../src/config/host-config.js';
import { UsageError } from './lib/args.js';
import { registerCleanup } from './lib/cleanup.js';
import { createIdentity } from './load/identity.js';
import { churn, ChurnCounters } from './soak/churn.js';
import { parseSoakFlags, soakUsage, type SoakFlags } from './soak/flags.js';
import { growthAfter, type Sample } from './soak/growth.js';
import { startSoakHost } from './soak/host.js';
import { countersLine, growthTable, sampleLine } from './soak/report.js';
import { stateSizes, writeSoakConfig } from './soak/setup.js';

/**
 * `npm run bench -- soak`: the reference host (SQLite store, JSONL audit log, demo tools) in a child process,
 * real SDK clients over Streamable HTTP that churn (each abandons its session every few cycles without DELETE,
 * as crashing or restarting clients do) for --minutes, and a sample of the host every --sample-seconds. It
 * reports each metric's growth per minute after warm-up and exits 1 when one grows without bound, when a
 * client saw an error, or when the audit chain does not verify.
 */
const TASK_TTL_MS = 60_000;
const TENANTS = 3;
/** After the deadline, loops get this long to finish the cycle they are in. */
const GRACE_MS = 30_000;

function log(line: string): void {
  console.log(`[soak] ${line}`);
}

export async function runSoakBenchmark(args: readonly string[]): Promise<number> {
  let flags: SoakFlags | undefined;
  try {
    flags = parseSoakFlags(args);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`bench soak: ${err.message}\n${soakUsage()}`);
    return 2;
  }
  if (flags === undefined) {
    console.log(soakUsage());
    return 0;
  }
  if (flags['warmup-minutes'] >= flags.minutes) {
    console.error(`bench soak: --warmup-minutes (${flags['warmup-minutes']}) must be less than --minutes (${flags.minutes})`);
    return 2;
  }
  const cpus = os.cpus();
  log(`machine: ${cpus.length} cpus (${cpus[0]?.model.trim() ?? 'unknown'}), node ${process.version}`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'taskguard-soak-'));
  const unregister = registerCleanup(() => rmSync(dir, { recursive: true, force: true }));
  try {
    return await soak(flags, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    unregister();
  }
}

async function soak(flags: SoakFlags, dir: string): Promise<number> {
  const identity = await createIdentity(flags.users, Math.min(TENANTS, flags.users), flags.minutes * 60 + 3600);
  const files = await writeSoakConfig(dir, identity.publicJwk, flags['idle-seconds']);
  const sessionLimits = loadHostConfig(files.configFile).sessions;
  const host = await startSoakHost(files.configFile);
  log(`host pid ${host.pid} at ${host.url}: SQLite store, JSONL audit log (fsync interval), sessions idle ${flags['idle-seconds']} s, at most ${sessionLimits.maxPerPrincipal} per principal and ${sessionLimits.maxTotal} in all`);
  log(`${flags.users} users, each: ${flags['cycles-per-session']} cycles per session (convert_document task polled every ${flags['poll-ms']} ms, its result, a plain lookup, ${flags['think-ms']} ms pause), then a new session without DELETE; ${flags.minutes} min, warm-up ${flags['warmup-minutes']} min`);

  const counters = new ChurnCounters();
  const start = performance.now();
  const deadline = start + flags.minutes * 60_000;
  const running = (): boolean => performance.now() < deadline;
  const shape = { cyclesPerSession: flags['cycles-per-session'], pollMs: flags['poll-ms'], thinkMs: flags['think-ms'], ttlMs: TASK_TTL_MS };
  const loops = identity.users.map(async (user, i) => {
    // Staggered, so the users do not march in step.
    await sleep(Math.floor((i * flags['think-ms']) / flags.users));
    await churn(host.url, user, shape, running, counters);
  });

  const samples: Sample[] = [];
  let verified = false;
  try {
    for (let next = start; next <= deadline; next += flags['sample-seconds'] * 1000) {
      await sleep(Math.max(0, next - performance.now()));
      const sample: Sample = { atMin: (performance.now() - start) / 60_000, values: { ...(await host.sample()), ...stateSizes(files) } };
      samples.push(sample);
      log(sampleLine(sample));
    }
    const finished = await Promise.race([Promise.all(loops).then(() => true), sleep(GRACE_MS).then(() => false)]);
    if (!finished) log(`some clients were still in a request ${GRACE_MS / 1000} s after the deadline`);
  } finally {
    await host.stop();
  }
  const audit = await verifyAuditSeries(files.auditFile);
  verified = audit.ok;
  const kept = `${audit.files.length} files${audit.checkpoint ? `, retention pruned through seq ${audit.checkpoint.seq - 1}` : ''}`;
  log(`audit log: ${audit.records} records kept in ${kept}, ${verified ? 'the series verifies' : `DOES NOT VERIFY: ${audit.problem?.kind} in ${audit.problemFile} at line ${audit.problem?.line}`}`);

  const growth = growthAfter(samples, flags['warmup-minutes']);
  log(countersLine(counters, flags.minutes));
  for (const [kind, count] of counters.errors) log(`error x${count}: ${kind}`);
  if (!growth) {
    log('fewer than 3 samples after warm-up: nothing to measure (raise --minutes or lower --sample-seconds)');
    return 1;
  }
  const maxSessions = Math.max(...samples.map((s) => s.values.sessions));
  const unbounded = growth.filter((g) => g.unbounded).map((g) => g.metric);
  console.log('');
  console.log(growthTable(growth, flags['warmup-minutes']));
  console.log(`open sessions peaked at ${maxSessions} (cap ${sessionLimits.maxTotal}); ${unbounded.length === 0 ? 'nothing grows without bound' : `growing without bound: ${unbounded.join(', ')}`}`);
  console.log(JSON.stringify({
    flags, node: process.version, cpus: os.cpus().length,
    sessions: { opened: counters.sessions, peakOpen: maxSessions, cap: sessionLimits.maxTotal, perPrincipalCap: sessionLimits.maxPerPrincipal },
    cycles: counters.cycles, carried: counters.carried, errors: Object.fromEntries(counters.errors),
    auditRecords: audit.records, auditVerified: verified,
    growth: Object.fromEntries(growth.map((g) => [g.metric, { first: g.first, last: g.last, max: g.max, perMin: g.perMin, unbounded: g.unbounded }])),
    samples,
  }));
  return unbounded.length === 0 && counters.errorCount() === 0 && verified && maxSessions <= sessionLimits.maxTotal ? 0 : 1;
}
