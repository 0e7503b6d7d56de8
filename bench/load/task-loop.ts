import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { Rng } from '../lib/rng.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
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
  let polled = task;
  while (!TERMINAL.has(polled.status)) {
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
    polled = await timed('get', () => client.getTask(task.taskId, options));
  }
  if (polled.status !== 'completed') {
    recorder.error('task', new Error(`task ended ${polled.status}`));
    return;
  }
  const result = polled.result ?? await finalResult(client, task.taskId, ctx, timed, options);
  if (result === undefined) return;
  const text = result.content[0]?.type === 'text' ? result.content[0].text : '';
  // The result must be this task's: a mix-up would be a cross read of its own kind.
  if (result.isError === true || !text.startsWith(resultMarker(doc))) {
    recorder.error('result', new Error(`unexpected result for ${doc}: ${text.slice(0, 100)}`));
    return;
  }
  recorder.taskCompleted(performance.now());
}

/** tasks/result, where the protocol has it (2025-11-25); undefined when the deadline came first. */
async function finalResult(
  client: LoadClient, taskId: string, ctx: LoopContext,
  timed: <T>(kind: 'result', request: () => Promise<T>) => Promise<T>, options: { timeout: number },
): Promise<CallToolResult | undefined> {
  if (!client.result) {
    ctx.recorder.error('result', new Error('a completed task without its result'));
    return undefined;
  }
  if (!ctx.running()) {
    ctx.recorder.abandoned += 1;
    return undefined;
  }
  const read = client.result.bind(client);
  return timed('result', () => read(taskId, options));
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
    // Both clients' errors carry the JSON-RPC code (McpError, RpcReplyError in raw-http.ts).
    if ((err as { code?: unknown }).code === ErrorCode.InvalidParams) recorder.probesRefused += 1;
    else if (!ctx.stop.stopped) recorder.error('probe', err);
  }
}
