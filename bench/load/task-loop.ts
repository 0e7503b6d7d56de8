import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { Rng } from '../lib/rng.js';
import type { LoadClient } from './clients.js';
import { resultMarker } from './convert.js';
import type { ForeignTasks } from './foreign-tasks.js';
import type { LoadShape } from './generator.js';
import type { Recorder } from './recorder.js';

/** What one client's loop does, over and over until the deadline: bench/load/generator.ts runs 200 of them. */
const TERMINAL = new Set(['completed', 'failed', 'cancelled']);
/** No request may take longer; the SDK's own default is 60 s. */
const REQUEST_TIMEOUT_MS = 30_000;
const ERROR_BACKOFF_MS = 100;

export interface LoopContext {
  shape: LoadShape;
  recorder: Recorder;
  foreign: ForeignTasks;
  running(): boolean;
  /** Set when the grace period is over: failures after that are the shutdown, not errors. */
  stop: { stopped: boolean };
}

export async function clientLoop(client: LoadClient, ctx: LoopContext): Promise<void> {
  // One stream per client, derived from the run's seed: the same run replays the same polls and probes.
  const rng = new Rng((ctx.shape.seed ^ Math.imul(client.index + 1, 0x9e3779b1)) >>> 0);
  // Spread the first requests out, so 200 loops do not march in step.
  await sleep(rng.int(0, ctx.shape.pollMaxMs));
  for (let n = 0; ctx.running(); n++) {
    try {
      await oneTask(client, `${client.user.sub}-c${client.index}-${n}`, rng, ctx);
    } catch {
      // Already recorded where it happened.
      if (ctx.stop.stopped) return;
      await sleep(ERROR_BACKOFF_MS);
    }
  }
}

/** One task's life: create, poll until terminal (with the odd cross-tenant probe), read the result. */
async function oneTask(client: LoadClient, doc: string, rng: Rng, ctx: LoopContext): Promise<void> {
  const { recorder, shape } = ctx;
  const options = { timeout: REQUEST_TIMEOUT_MS };
  const timed = async <T>(kind: 'create' | 'get' | 'result', request: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      const value = await request();
      recorder.sample(kind, t0, performance.now());
      return value;
    } catch (err) {
      if (!ctx.stop.stopped) recorder.error(kind, err);
      throw err;
    }
  };

  const task = await timed('create', () => client.createTask(doc, shape.docBytes, shape.ttlMs, options));
  ctx.foreign.add(client.user.tenant, task.taskId);
  let status = task.status;
  while (!TERMINAL.has(status)) {
    await sleep(rng.int(shape.pollMinMs, shape.pollMaxMs));
    if (!ctx.running()) {
      recorder.abandoned += 1;
      return;
    }
    const foreignId = rng.chance(shape.probeShare) ? ctx.foreign.pick(client.user.tenant, rng) : undefined;
    if (foreignId !== undefined) {
      await probe(client, foreignId, options, ctx);
      continue;
    }
    status = (await timed('get', () => client.getTask(task.taskId, options))).status;
  }
  if (status !== 'completed') {
    recorder.error('task', new Error(`task ended ${status}`));
    return;
  }
  if (!ctx.running()) {
    recorder.abandoned += 1;
    return;
  }
  const result = await timed('result', () => client.result(task.taskId, options));
  const text = result.content[0]?.type === 'text' ? result.content[0].text : '';
  // The result must be this task's: a mix-up would be a cross read of its own kind.
  if (result.isError === true || !text.startsWith(resultMarker(doc))) {
    recorder.error('result', new Error(`unexpected result for ${doc}: ${text.slice(0, 100)}`));
    return;
  }
  recorder.taskCompleted(performance.now());
}

/** tasks/get with another tenant's task id, on this client's own session and token. */
async function probe(client: LoadClient, taskId: string, options: { timeout: number }, ctx: LoopContext): Promise<void> {
  const { recorder } = ctx;
  recorder.probes += 1;
  const t0 = performance.now();
  try {
    const task = await client.getTask(taskId, options);
    recorder.sample('probe', t0, performance.now());
    if (task.taskId === taskId) recorder.crossTenantReads += 1;
    else recorder.error('probe', new Error('probe answered with a different task'));
  } catch (err) {
    recorder.sample('probe', t0, performance.now());
    if (err instanceof McpError && err.code === ErrorCode.InvalidParams) recorder.probesRefused += 1;
    else if (!ctx.stop.stopped) recorder.error('probe', err);
  }
}
