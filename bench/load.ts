import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { verifyAuditLog } from '../src/audit/index.js';
import { registerCleanup } from './lib/cleanup.js';
import { UsageError } from './lib/args.js';
import { startServerChild } from './load/child.js';
import { clientKind, loadUsage, parseLoadFlags, type ClientKind, type LoadFlags } from './load/flags.js';
import { runLoad, type ConnectClients, type LoadShape } from './load/generator.js';
import { createIdentity, type RunIdentity } from './load/identity.js';
import { isGuarded, type ServerMode, type ServerStats } from './load/protocol.js';
import { connectClients } from './load/clients.js';
import { connectClients2026 } from './load/clients-2026.js';
import { connectRawClients2025 } from './load/clients-raw-2025.js';
import { formatTables2026, json2026 } from './load/report-2026.js';
import { configResult, formatJson, formatTables, type ConfigResult } from './load/report.js';
import { pairVerdict } from './load/verdict.js';

/**
 * `npm run bench -- load`: many clients against a real host over Streamable HTTP on 127.0.0.1, each server in
 * a child process of its own. On 2025-11-25: SDK clients (raw-HTTP ones above 50 clients, where SDK clients
 * would saturate the generator), taskguard (policy, binding, audit) against the SDK's stock task support.
 * On 2026-07-28: raw-HTTP clients, createTasksExtension on the SDK v2 server against the
 * same v2 server with tasks written by hand. Reports tasks/s, per-request latency, errors, and cross-tenant
 * reads found by probing.
 */
const POLL_MIN_MS = 50;
const POLL_MAX_MS = 100;
const DOC_BYTES = 4096;
/** Requested per task in both configurations: far longer than a task is in use (well under a second), so nothing a client or a probe touches has expired. */
const TASK_TTL_MS = 120_000;
const TOKEN_LIFETIME_S = 3600;

function log(line: string): void {
  console.log(`[load] ${line}`);
}

export async function runLoadBenchmark(args: readonly string[]): Promise<number> {
  let flags: LoadFlags | undefined;
  try {
    flags = parseLoadFlags(args);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`bench load: ${err.message}\n${loadUsage()}`);
    return 2;
  }
  if (flags === undefined) {
    console.log(loadUsage());
    return 0;
  }
  if (flags.users < flags.tenants) {
    console.error(`bench load: --users (${flags.users}) must be at least --tenants (${flags.tenants})`);
    return 2;
  }

  const cpus = os.cpus();
  log(`machine: ${cpus.length} cpus (${cpus[0]?.model.trim() ?? 'unknown'}), node ${process.version}`);
  const identity = await createIdentity(flags.users, flags.tenants, TOKEN_LIFETIME_S);
  const client = clientKind(flags);
  log(`${flags.users} users over ${flags.tenants} tenants, ES256 tokens with scopes docs:convert reports:read; ${flags.clients} clients`);
  log(`2025-11-25 clients: ${client === 'sdk' ? 'the SDK\'s Client' : 'raw HTTP (bench/load/clients-raw-2025.ts)'} (--client ${flags.client}); 2026-07-28 clients: raw HTTP; guard ON task store: ${flags.store}${flags.store === 'sqlite' ? ' (the stock servers have no durable store: theirs is the SDK\'s InMemoryTaskStore)' : ''}`);
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'taskguard-load-'));
  const removeState = (): void => rmSync(stateDir, { recursive: true, force: true });
  const unregister = registerCleanup(removeState);
  // Kept after the run (unlike the state dir), outside the repository.
  const profileDir = flags['cpu-prof'] ? mkdtempSync(path.join(os.tmpdir(), 'taskguard-load-profile-')) : undefined;

  const shape: LoadShape = {
    clients: flags.clients,
    warmupMs: flags.warmup * 1000,
    measureMs: flags.seconds * 1000,
    probeShare: flags['probe-permille'] / 1000,
    pollMinMs: POLL_MIN_MS,
    pollMaxMs: POLL_MAX_MS,
    docBytes: DOC_BYTES,
    ttlMs: TASK_TTL_MS,
    seed: flags.seed,
  };
  // One audit log per guarded configuration, each verified on its own.
  const auditFiles: Partial<Record<ServerMode, string>> = { 'guard-on': path.join(stateDir, 'audit.jsonl'), 'guard-on-2026': path.join(stateDir, 'audit-2026.jsonl') };
  const storeFiles: Partial<Record<ServerMode, string>> = flags.store === 'sqlite' ? { 'guard-on': path.join(stateDir, 'tasks.db'), 'guard-on-2026': path.join(stateDir, 'tasks-2026.db') } : {};
  const pairs: [ServerMode, ServerMode][] = [['guard-off', 'guard-on'], ...(flags['skip-2026'] ? [] : [['guard-off-2026', 'guard-on-2026'] as [ServerMode, ServerMode]])];
  const order = pairs.flatMap((pair) => (flags['guard-first'] ? [...pair].reverse() : pair));
  const results = new Map<ServerMode, ConfigResult>();
  const audits = new Map<ServerMode, { records: number; verified: boolean }>();
  try {
    for (const [i, mode] of order.entries()) {
      if (i > 0) await sleep(1000); // let the previous child's sockets and memory go
      const auditFile = auditFiles[mode];
      const storeFile = storeFiles[mode];
      results.set(mode, await runConfiguration(mode, identity, shape, {
        seed: flags.seed, client, ...(auditFile ? { auditFile } : {}), ...(storeFile ? { storeFile } : {}), ...(profileDir ? { profileDir: path.join(profileDir, mode) } : {}),
      }));
    }
    for (const mode of results.keys()) {
      const auditFile = auditFiles[mode];
      if (!auditFile) continue;
      log(`verifying the ${mode} audit log`);
      const verified = await verifyAuditLog(auditFile);
      audits.set(mode, { records: verified.records, verified: verified.ok });
      log(`${mode} audit log: ${verified.records} records, ${verified.ok ? 'chain and head verify' : `DOES NOT VERIFY: ${verified.problem?.kind} at line ${verified.problem?.line}`}`);
    }
  } finally {
    removeState();
    unregister();
  }

  const on = results.get('guard-on') as ConfigResult;
  const off = results.get('guard-off') as ConfigResult;
  const on2026 = results.get('guard-on-2026');
  const off2026 = results.get('guard-off-2026');
  const audit = audits.get('guard-on');
  if (profileDir) log(`CPU profiles of every server, one folder per configuration, in ${profileDir}/ (open in Chrome DevTools or speedscope)`);
  console.log('');
  const verdict = pairVerdict(on, off, { wire: '2025-11-25', client, store: flags.store, clients: flags.clients });
  const verdict2026 = on2026 && off2026 ? pairVerdict(on2026, off2026, { wire: '2026-07-28', client: 'raw', store: flags.store, clients: flags.clients }) : undefined;
  console.log(formatTables(on, off, verdict));
  if (on2026 && off2026 && verdict2026) console.log(`\n${formatTables2026(on2026, off2026, verdict2026)}`);
  const audit2026 = audits.get('guard-on-2026');
  const extra = on2026 && off2026 && verdict2026
    ? { ...json2026(on2026, off2026, verdict2026), v2026_guard_on_audit_records: audit2026?.records ?? null, v2026_guard_on_audit_verified: audit2026?.verified ?? null }
    : {};
  console.log(formatJson(on, off, verdict, {
    seconds: flags.seconds, warmupSeconds: flags.warmup, clients: flags.clients, users: flags.users, tenants: flags.tenants,
    seed: flags.seed, probeShare: shape.probeShare, node: process.version, cpus: cpus.length, cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    auditRecords: audit?.records, auditVerified: audit?.verified, client, store: flags.store,
  }, extra));
  // A run with errors, a cross-tenant read under the guard, or a broken audit chain is not a valid measurement.
  // (The hand-written 2026 server's cross-tenant reads are its finding, not a failure of the run.)
  const valid = (c: ConfigResult): boolean => c.errors === 0 && (!isGuarded(c.mode) || c.crossTenantReads === 0);
  return [...results.values()].every(valid) && [...audits.values()].every((a) => a.verified) && audits.size === pairs.length ? 0 : 1;
}

/** The clients of a configuration: its wire's, and on 2025-11-25 the kind the run chose. */
function connectorFor(mode: ServerMode, client: ClientKind): ConnectClients {
  if (mode === 'guard-on-2026' || mode === 'guard-off-2026') return connectClients2026;
  return client === 'sdk' ? connectClients : connectRawClients2025;
}

interface ConfigurationOptions {
  seed: number;
  client: ClientKind;
  auditFile?: string;
  storeFile?: string;
  profileDir?: string;
}

async function runConfiguration(mode: ServerMode, identity: RunIdentity, shape: LoadShape, options: ConfigurationOptions): Promise<ConfigResult> {
  const say = (line: string): void => log(`${mode}: ${line}`);
  const connect = connectorFor(mode, options.client);
  const child = await startServerChild(
    { mode, publicJwk: identity.publicJwk, seed: options.seed, ...(options.auditFile ? { auditFile: options.auditFile } : {}), ...(options.storeFile ? { storeFile: options.storeFile } : {}) },
    options.profileDir ? { cpuProfDir: options.profileDir } : {},
  );
  say(`server pid ${child.pid} at ${child.url}`);
  say(child.detail);
  try {
    let server: ServerStats | undefined;
    const outcome = await runLoad(child.url, connect, identity.users, shape, {
      onMeasureStart: () => child.mark(),
      onMeasureEnd: async () => {
        server = await child.sample();
      },
    }, say);
    // CPU and loop delay are the window's (sampled at the deadline); the counters are the whole run's.
    const final = await child.stop();
    if (server && final) server = { ...final, cpuMs: server.cpuMs, wallMs: server.wallMs, loopDelayP50Ms: server.loopDelayP50Ms, loopDelayP99Ms: server.loopDelayP99Ms, rssMb: server.rssMb, heapUsedMb: server.heapUsedMb, heapTotalMb: server.heapTotalMb, externalMb: server.externalMb };
    const result = configResult(mode, child.detail, outcome.recorder, server, outcome.generator, outcome.unfinishedLoops);
    say(`${outcome.recorder.completed} tasks completed in the window (${result.tasksPerS.toFixed(1)}/s), ${result.errors} errors, ${result.crossTenantReads} cross-tenant reads of ${result.probes} probes, ${result.abandoned} tasks cut off by the deadline${outcome.unfinishedLoops ? `, ${outcome.unfinishedLoops} loops cut off after the grace period` : ''}`);
    if (server) say(`server: ${server.toolRuns} tool runs, ${server.toolFailures} tool failures${server.auditRecords !== undefined ? `, ${server.auditRecords} audit records, ${server.auditFailures ?? 0} audit failures` : ''}`);
    for (const [kind, count] of result.errorKinds) say(`error x${count}: ${kind}`);
    return result;
  } finally {
    await child.stop();
  }
}
