import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startGuardedServer } from './guard-on.js';
import { startStockServer } from './guard-off.js';
import { startGuarded2026Server } from './guard-on-2026.js';
import { startHandWrittenServer } from './guard-off-2026.js';
import { isGuarded, type ChildMessage, type ParentMessage, type ServerConfig, type ServerStats } from './protocol.js';
import type { RunningServer } from './server.js';

/**
 * A server child of `npm run bench -- load`: started with fork() by bench/load/child.ts, configured and driven
 * over IPC, never printing to stdout (the parent's last stdout line is its JSON). It exits when the parent
 * goes away, so a killed benchmark leaves no server behind.
 */
let server: RunningServer | undefined;
const loopDelay = monitorEventLoopDelay({ resolution: 5 });
let markCpu = process.cpuUsage();
let markAt = performance.now();

function send(message: ChildMessage, then?: () => void): void {
  if (!process.send) return;
  process.send(message, undefined, {}, () => then?.());
}

function stats(): ServerStats {
  const cpu = process.cpuUsage(markCpu);
  const counters = server?.counters() ?? { toolRuns: 0, toolFailures: 0 };
  return {
    cpuMs: (cpu.user + cpu.system) / 1000,
    wallMs: performance.now() - markAt,
    loopDelayP50Ms: loopDelay.percentile(50) / 1e6,
    loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
    ...memory(),
    ...counters,
  };
}

let startRssMb = 0;

function memory(): Pick<ServerStats, 'rssMb' | 'heapUsedMb' | 'heapTotalMb' | 'externalMb' | 'startRssMb'> {
  const usage = process.memoryUsage();
  const mb = (bytes: number): number => bytes / 1_048_576;
  return { rssMb: mb(usage.rss), heapUsedMb: mb(usage.heapUsed), heapTotalMb: mb(usage.heapTotal), externalMb: mb(usage.external), startRssMb };
}

async function start(config: ServerConfig): Promise<RunningServer> {
  const base = { publicJwk: config.publicJwk, seed: config.seed };
  if (isGuarded(config.mode) && !config.auditFile) throw new Error(`${config.mode} needs an audit file`);
  const auditFile = config.auditFile ?? '';
  switch (config.mode) {
    case 'guard-on':
      return startGuardedServer({ ...base, auditFile, ...(config.storeFile ? { storeFile: config.storeFile } : {}) });
    case 'guard-off':
      return startStockServer(base);
    case 'guard-on-2026':
      return startGuarded2026Server({ ...base, auditFile, ...(config.storeFile ? { storeFile: config.storeFile } : {}) });
    case 'guard-off-2026':
      return startHandWrittenServer(base);
  }
}

async function onMessage(message: ParentMessage): Promise<void> {
  switch (message.type) {
    case 'start':
      server = await start(message.config);
      startRssMb = process.memoryUsage().rss / 1_048_576;
      loopDelay.enable();
      send({ type: 'ready', url: server.url, pid: process.pid, detail: server.detail });
      return;
    case 'mark':
      markCpu = process.cpuUsage();
      markAt = performance.now();
      loopDelay.reset();
      send({ type: 'marked' });
      return;
    case 'sample':
      send({ type: 'sampled', stats: stats() });
      return;
    case 'stop': {
      const final = stats();
      await server?.close();
      // exit (not a kill) also lets --cpu-prof write its profile.
      send({ type: 'stopped', stats: final }, () => process.exit(0));
      return;
    }
  }
}

function fail(err: unknown): void {
  send({ type: 'failed', message: err instanceof Error ? (err.stack ?? err.message) : String(err) }, () => process.exit(1));
}

process.on('message', (message: ParentMessage) => void onMessage(message).catch(fail));
process.on('disconnect', () => process.exit(0));
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);
