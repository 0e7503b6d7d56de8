import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema, CreateTaskResultSchema, GetTaskResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { SAMPLE_PATH } from '../../src/host/demo-tools.js';
import type { User } from '../load/identity.js';

/** How a soak client behaves; see bench/soak/flags.ts. */
export interface ChurnShape {
  cyclesPerSession: number;
  pollMs: number;
  thinkMs: number;
  ttlMs: number;
}

/** What all the clients did, for the report; errors by kind. */
export class ChurnCounters {
  sessions = 0;
  cycles = 0;
  /** Tasks created on one session and read to their result from the owner's next one. */
  carried = 0;
  readonly errors = new Map<string, number>();

  error(err: unknown): void {
    const text = err instanceof Error ? err.message : String(err);
    // Ids and numbers differ from one error to the next; the kind is what is left.
    const kind = text.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '<id>').replace(/\d+/g, 'N').slice(0, 120);
    this.errors.set(kind, (this.errors.get(kind) ?? 0) + 1);
  }

  errorCount(): number {
    return [...this.errors.values()].reduce((a, b) => a + b, 0);
  }
}

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);
const REQUEST_OPTIONS = { timeout: 30_000 };
const ERROR_BACKOFF_MS = 1000;

/** One session of one user: an SDK client over Streamable HTTP. */
class SoakSession {
  private constructor(private readonly client: Client) {}

  static async open(url: string, user: User): Promise<SoakSession> {
    const client = new Client({ name: 'taskguard-bench-soak', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${user.token}` } } }));
    return new SoakSession(client);
  }

  async createTask(ttlMs: number): Promise<string> {
    const { task } = await this.client.request({
      method: 'tools/call', params: { name: 'convert_document', arguments: { source: SAMPLE_PATH, to: 'html' }, task: { ttl: ttlMs } },
    }, CreateTaskResultSchema, REQUEST_OPTIONS);
    return task.taskId;
  }

  /** Polls until the task ends, then reads its result; a task that does not complete is an error. */
  async finish(taskId: string, pollMs: number): Promise<void> {
    for (;;) {
      const { status } = await this.client.request({ method: 'tasks/get', params: { taskId } }, GetTaskResultSchema, REQUEST_OPTIONS);
      if (TERMINAL.has(status)) {
        if (status !== 'completed') throw new Error(`task ended ${status}`);
        break;
      }
      await sleep(pollMs);
    }
    const result = await this.client.request({ method: 'tasks/result', params: { taskId } }, CallToolResultSchema, REQUEST_OPTIONS);
    if (result.isError) throw new Error('task result is an error');
  }

  async lookup(): Promise<void> {
    const result = await this.client.request({ method: 'tools/call', params: { name: 'lookup', arguments: { q: 'task' } } }, CallToolResultSchema, REQUEST_OPTIONS);
    if (result.isError) throw new Error('lookup answered an error');
  }

  /** What a client that crashes or restarts does: its connections close, and it never sends DELETE. */
  async abandon(): Promise<void> {
    await this.client.close().catch(() => {});
  }
}

/**
 * One user's loop until `running()` turns false: open a session, run `cyclesPerSession` cycles (a task: create,
 * poll, result; then a plain call), create one more task, abandon the session, and read that last task's
 * result from the next session: a task outlives the session that created it.
 */
export async function churn(url: string, user: User, shape: ChurnShape, running: () => boolean, counters: ChurnCounters): Promise<void> {
  let carried: string | undefined;
  while (running()) {
    let session: SoakSession;
    try {
      session = await SoakSession.open(url, user);
    } catch (err) {
      counters.error(err);
      await sleep(ERROR_BACKOFF_MS);
      continue;
    }
    counters.sessions += 1;
    try {
      if (carried !== undefined) {
        await session.finish(carried, shape.pollMs);
        counters.carried += 1;
        carried = undefined;
      }
      for (let i = 0; i < shape.cyclesPerSession && running(); i++) {
        await session.finish(await session.createTask(shape.ttlMs), shape.pollMs);
        await session.lookup();
        counters.cycles += 1;
        await sleep(shape.thinkMs);
      }
      if (running()) carried = await session.createTask(shape.ttlMs);
    } catch (err) {
      carried = undefined;
      counters.error(err);
      await sleep(ERROR_BACKOFF_MS);
    } finally {
      await session.abandon();
    }
  }
}
