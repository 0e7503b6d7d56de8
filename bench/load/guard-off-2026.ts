import { randomUUID } from 'node:crypto';
import { McpServer, ProtocolError } from '@modelcontextprotocol/server';
import type { JWK } from 'jose';
import { z } from 'zod';
import { countedConverter } from './counted-tool.js';
import { convertShape, TOOL_DESCRIPTION, TOOL_NAME } from './convert.js';
import { startFront2026 } from './front-2026.js';
import type { RunningServer } from './server.js';

const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';
/** What convert_document's policy data says, so clients poll the same way in both configurations. */
const POLL_INTERVAL_MS = 500;
const TTL_MS = 120_000;
const INVALID_PARAMS = -32602;
const convertArgs = z.object(convertShape);
const taskIdParams = z.object({ taskId: z.string() });

interface HandWrittenTask {
  taskId: string;
  status: 'working' | 'completed' | 'failed' | 'cancelled';
  createdAt: string;
  lastUpdatedAt: string;
  result?: Record<string, unknown>;
  error?: { code: number; message: string };
  abort: AbortController;
}

/**
 * guard OFF on 2026-07-28: the SDK v2 server with tasks written by hand, the way the extension's text shows
 * and a v2 server author writes them today (the SDK ships no tasks runtime): tools/call answers
 * `resultType: "task"` at once and runs the work in the background, tasks/get reads an in-memory Map and
 * inlines the result, tasks/cancel aborts. A task is bound to nothing: whoever names its id reads it.
 */
export async function startHandWrittenServer(options: { publicJwk: JWK; seed: number }): Promise<RunningServer> {
  const tasks = new Map<string, HandWrittenTask>();
  const tool = countedConverter(options.seed);
  const expiry = setInterval(() => {
    const cutoff = Date.now() - TTL_MS;
    for (const [id, task] of tasks) if (Date.parse(task.createdAt) < cutoff) tasks.delete(id);
  }, 5000);
  expiry.unref();

  const wire = (task: HandWrittenTask): Record<string, unknown> => ({
    taskId: task.taskId, status: task.status, createdAt: task.createdAt, lastUpdatedAt: task.lastUpdatedAt, ttlMs: TTL_MS, pollIntervalMs: POLL_INTERVAL_MS,
  });
  const find = (params: unknown): HandWrittenTask => {
    const parsed = taskIdParams.safeParse(params);
    const task = parsed.success ? tasks.get(parsed.data.taskId) : undefined;
    if (!task) throw new ProtocolError(INVALID_PARAMS, 'task not found');
    return task;
  };
  const settle = (task: HandWrittenTask, status: HandWrittenTask['status'], payload: Pick<HandWrittenTask, 'result' | 'error'>): void => {
    if (task.status !== 'working') return;
    Object.assign(task, { status, lastUpdatedAt: new Date().toISOString() }, payload);
  };

  const createServer = (): McpServer => {
    const server = new McpServer({ name: 'taskguard-bench-load-v2', version: '1.0.0' });
    const low = server.server;
    low.registerCapabilities({ tools: {}, extensions: { [TASKS_EXTENSION]: {} } });
    low.setRequestHandler('tools/list', () => ({ tools: [{ name: TOOL_NAME, description: TOOL_DESCRIPTION, inputSchema: z.toJSONSchema(convertArgs) }] }) as never);
    low.setRequestHandler('tools/call', (request) => {
      if (request.params.name !== TOOL_NAME) throw new ProtocolError(INVALID_PARAMS, `unknown tool: ${request.params.name}`);
      const args = convertArgs.safeParse(request.params.arguments);
      if (!args.success) throw new ProtocolError(INVALID_PARAMS, 'invalid arguments');
      const now = new Date().toISOString();
      const task: HandWrittenTask = { taskId: randomUUID(), status: 'working', createdAt: now, lastUpdatedAt: now, abort: new AbortController() };
      tasks.set(task.taskId, task);
      tool.run(args.data, task.abort.signal).then(
        (result) => settle(task, 'completed', { result: { resultType: 'complete', ...result } }),
        (err: unknown) => settle(task, 'failed', { error: { code: -32603, message: err instanceof Error ? err.message : 'tool failed' } }),
      );
      return { resultType: 'task', ...wire(task) } as never;
    });
    low.setRequestHandler('tasks/get', { params: z.unknown() }, (params) => {
      const task = find(params);
      return { resultType: 'complete', ...wire(task), ...(task.result ? { result: task.result } : {}), ...(task.error ? { error: task.error } : {}) } as never;
    });
    low.setRequestHandler('tasks/cancel', { params: z.unknown() }, (params) => {
      const task = find(params);
      task.abort.abort();
      settle(task, 'cancelled', {});
      return { resultType: 'complete' } as never;
    });
    return server;
  };

  const front = await startFront2026(options.publicJwk, createServer);
  return {
    url: front.url,
    detail: 'SDK v2 server, tasks by hand: McpServer per request, tools/call -> resultType task, tasks/get|cancel on an in-memory Map; bearer verification, no guard, no binding',
    counters: tool.counters,
    async close() {
      clearInterval(expiry);
      for (const task of tasks.values()) task.abort.abort();
      await front.close();
    },
  };
}
