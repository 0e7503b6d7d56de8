import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LoadClient } from './clients.js';
import { ForeignTasks } from './foreign-tasks.js';
import { readMachineCpu, type MachineCpu } from './machine.js';
import type { User } from './identity.js';
import { Recorder } from './recorder.js';
import { clientLoop, type LoopContext } from './task-loop.js';

export interface LoadShape {
  clients: number;
  warmupMs: number;
  measureMs: number;
  /** Share of polls that name another tenant's task instead of the client's own. */
  probeShare: number;
  pollMinMs: number;
  pollMaxMs: number;
  docBytes: number;
  ttlMs: number;
  seed: number;
}

export interface GeneratorStats {
  cpuMs: number;
  wallMs: number;
  loopDelayP99Ms: number;
  /** Whole-machine CPU readings at the edges of the window (undefined off Linux). */
  machineStart: MachineCpu | undefined;
  machineEnd: MachineCpu | undefined;
}

export interface LoadOutcome {
  recorder: Recorder;
  generator: GeneratorStats;
  connectMs: number;
  /** Loops still in a request when the grace period after the deadline ran out (their clients were closed). */
  unfinishedLoops: number;
}

/** Connects the run's clients (2025-11-25 SDK sessions or 2026-07-28 raw HTTP); transport errors go to the callback. */
export type ConnectClients = (url: string, users: readonly User[], count: number, onTransportError: (err: Error) => void) => Promise<LoadClient[]>;

/** Hooks into the server child at the edges of the measured window. */
export interface WindowHooks {
  onMeasureStart(): Promise<void>;
  onMeasureEnd(): Promise<void>;
}

/** After the deadline, loops get this long to finish the request they are in. */
const GRACE_MS = 10_000;

/**
 * Drives one server with `shape.clients` clients, each looping create -> poll tasks/get -> the result
 * until the deadline. Every loop checks the deadline before each request, so the run ends by itself.
 */
export async function runLoad(url: string, connect: ConnectClients, users: readonly User[], shape: LoadShape, hooks: WindowHooks, log: (line: string) => void): Promise<LoadOutcome> {
  const connectStart = performance.now();
  // Errors before the window is known still count: the recorder is re-pointed once the window starts.
  let transportErrorsBeforeStart: Error[] = [];
  let recorder: Recorder | undefined;
  const onTransportError = (err: Error): void => {
    if (recorder) {
      if (running()) recorder.error('transport', err);
    } else transportErrorsBeforeStart.push(err);
  };
  let deadline = Number.POSITIVE_INFINITY;
  const running = (): boolean => performance.now() < deadline;

  const clients = await connect(url, users, shape.clients, onTransportError);
  const connectMs = performance.now() - connectStart;
  log(`${clients.length} clients connected in ${(connectMs / 1000).toFixed(1)} s; warm-up ${shape.warmupMs / 1000} s, then ${shape.measureMs / 1000} s measured`);

  const start = performance.now();
  const measureStart = start + shape.warmupMs;
  deadline = measureStart + shape.measureMs;
  recorder = new Recorder({ start: measureStart, end: deadline });
  for (const err of transportErrorsBeforeStart) recorder.error('transport', err);
  transportErrorsBeforeStart = [];

  // No AbortSignal on requests: the SDK's Protocol.request adds an abort listener per request and never
  // removes it, so a shared signal would collect one closure per request for the whole run. A loop still
  // stuck after the grace period is ended by closing its client instead, which rejects what it waits for.
  const stop = { stopped: false };
  const foreign = new ForeignTasks();
  const context: LoopContext = { shape, recorder, foreign, running, stop };
  const loops = clients.map((client) => clientLoop(client, context));

  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  await sleep(Math.max(0, measureStart - performance.now()));
  await hooks.onMeasureStart();
  loopDelay.enable();
  const machineStart = readMachineCpu();
  const cpuAtStart = process.cpuUsage();
  const wallAtStart = performance.now();
  await sleep(Math.max(0, deadline - performance.now()));
  const cpu = process.cpuUsage(cpuAtStart);
  const machineEnd = readMachineCpu();
  const generator: GeneratorStats = {
    cpuMs: (cpu.user + cpu.system) / 1000, wallMs: performance.now() - wallAtStart, loopDelayP99Ms: loopDelay.percentile(99) / 1e6, machineStart, machineEnd,
  };
  loopDelay.disable();
  await hooks.onMeasureEnd();

  // Loops never reject (errors are recorded inside); those still in a request after the grace are closed.
  let stillRunning = loops.length;
  for (const loop of loops) void loop.finally(() => void (stillRunning -= 1));
  let unfinishedLoops = 0;
  const graceTimer = setTimeout(() => {
    unfinishedLoops = stillRunning;
    stop.stopped = true;
    for (const client of clients) void client.close();
  }, GRACE_MS);
  await Promise.all(loops);
  clearTimeout(graceTimer);
  await Promise.all(clients.map((c) => c.close()));
  return { recorder, generator, connectMs, unfinishedLoops };
}
