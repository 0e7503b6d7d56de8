import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { CANCELLED_ELSEWHERE } from '../../src/guard/leases.js';
import type { RateLimiter } from '../../src/guard/rate-limit.js';
import { createSharedRateLimiter, sliceSizeFor, type SharedRateLimiter } from '../../src/guard/shared-rate-limit.js';
import { cancelChannel, cancelNotice, LISTEN_APPLICATION_NAME } from '../../src/stores/postgres-notify.js';
import type { PostgresTaskStore } from '../../src/stores/postgres.js';
import { TASKGUARD_RPC_ERRORS } from '../../src/wire/rpc-errors.js';
import type { Taskguard } from '../../src/wire/v2025/taskguard.js';
import { adminClient, describePostgres, tempPair, waitFor } from '../stores/postgres-support.js';
import { newSigningKey, startStack, waitForStatus, type GuardedClient, type Stack } from '../support/stack.js';

/** Long enough that no lease can lapse during the suite; passes still run every 2 s (LEASE_PASS_MAX_MS). */
const LONG_LEASE_MS = 10 * 60_000;
const LIMIT = 40;

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** A task tool that waits until its signal aborts, and keeps why, by label. */
class Held {
  readonly started = new Map<string, Deferred<void>>();
  readonly aborted = new Map<string, Deferred<string>>();

  register(guard: Taskguard): void {
    guard.registerTool('hold', { description: 'holds until cancelled', inputSchema: { label: z.string().max(50) } }, async (args, ctx) => {
      const label = args['label'] as string;
      this.#entry(this.started, label).resolve();
      await new Promise<never>((_, reject) => {
        const stop = (): void => {
          const reason = ctx.signal.reason instanceof Error ? ctx.signal.reason : new Error('aborted');
          this.#entry(this.aborted, label).resolve(reason.message);
          reject(reason);
        };
        if (ctx.signal.aborted) stop();
        else ctx.signal.addEventListener('abort', stop, { once: true });
      });
      return { content: [] };
    });
  }

  whenStarted(label: string): Promise<void> {
    return this.#entry(this.started, label).promise;
  }

  /** Why the work of `label` stopped, once it has. */
  whyAborted(label: string): Promise<string> {
    return this.#entry(this.aborted, label).promise;
  }

  isAborted(label: string): boolean {
    return this.aborted.has(label);
  }

  #entry<T>(map: Map<string, Deferred<T>>, label: string): Deferred<T> {
    let entry = map.get(label);
    if (!entry) map.set(label, (entry = deferred<T>()));
    return entry;
  }
}

const HOLD_TOOL = { hold: { description: 'holds until cancelled', task_support: 'required', risk: 'low', required_scopes: ['docs:convert'], max_ttl_ms: 600_000, poll_interval_ms: 500 } };

describePostgres('two hosts sharing PostgreSQL: limits and cancels', () => {
  let pair: Awaited<ReturnType<typeof tempPair>>;
  let one: Stack;
  let two: Stack;
  const held = new Held();
  const limiters: SharedRateLimiter[] = [];
  before(async () => {
    pair = await tempPair();
    const signing = await newSigningKey();
    // One minute for the limits: the window a request falls in cannot turn over between two requests.
    const pinned = Date.now();
    const host = (store: PostgresTaskStore, instanceId: string) => ({
      store, signing,
      data: { limits: { operations_per_minute: LIMIT }, tools: HOLD_TOOL },
      guard: {
        leaseMs: LONG_LEASE_MS, instanceId,
        rateLimiter: (perMinute: number): RateLimiter => {
          const limiter = createSharedRateLimiter(store, perMinute);
          limiters.push(limiter);
          return { get perMinute() { return limiter.perMinute; }, setRate: (next) => limiter.setRate(next), take: (key) => limiter.take(key, pinned) };
        },
      },
    });
    one = await startStack(host(pair.a as PostgresTaskStore, 'host-1'));
    two = await startStack(host(pair.b as PostgresTaskStore, 'host-2'));
    held.register(one.guard);
    held.register(two.guard);
  });
  after(async () => {
    await one.close();
    await two.close();
    await pair.close();
  });

  /**
   * Resolves just after host 1's next lease pass over `taskId` (the pass moves its lease end): the pass
   * after that is 2 s away, so an abort before then cannot be the pass's doing, whatever the reason says.
   */
  const justAfterALeasePass = async (taskId: string): Promise<void> => {
    const admin = await adminClient(pair.schema);
    try {
      const leaseEnd = async (): Promise<string | undefined> =>
        (await admin.query<{ lease_until_ms: string }>('SELECT lease_until_ms FROM tasks WHERE id = $1', [taskId])).rows[0]?.lease_until_ms;
      const before = await leaseEnd();
      await waitFor('a lease pass on host 1', async () => (await leaseEnd()) !== before);
    } finally {
      await admin.end();
    }
  };

  it('gives a principal hitting both hosts its limit in a window, and at most one slice more per host', async () => {
    const clients = [await one.connect({ sub: 'rita' }), await two.connect({ sub: 'rita' })];
    let admitted = 0;
    let refusal: McpError | undefined;
    for (let refusedInARow = 0; refusedInARow < 4;) {
      for (const client of clients) {
        const answer = await client.list().then(() => undefined, (err: unknown) => err);
        if (answer === undefined) {
          admitted += 1;
          refusedInARow = 0;
        } else {
          assert.ok(answer instanceof McpError);
          refusal = answer;
          refusedInARow += 1;
        }
        // A refusal while a slice is on its way is not the budget running out: let answers land.
        await Promise.all(limiters.map((l) => l.settled()));
      }
    }
    assert.ok(admitted >= LIMIT, `${admitted} admitted: the whole budget is usable through two hosts`);
    assert.ok(admitted <= LIMIT + 2 * sliceSizeFor(LIMIT), `${admitted} admitted, at most ${LIMIT} + 2 slices`);
    assert.equal(refusal?.code, TASKGUARD_RPC_ERRORS.rateLimited);
    assert.ok((refusal?.data as { retry_after_ms: number }).retry_after_ms > 0);
    // Another principal is not limited by rita's budget, on either host.
    assert.ok(await (await two.connect({ sub: 'sam' })).list());
  });

  it('stops the work on host 1 through the cancel notice when the owner cancels through host 2', async () => {
    const alice1 = await one.connect({ sub: 'alice' });
    const alice2 = await two.connect({ sub: 'alice' });
    const task = await alice1.createTask('hold', { label: 'notify' });
    await held.whenStarted('notify');
    await justAfterALeasePass(task.taskId);
    assert.equal((await alice2.cancel(task.taskId)).status, 'cancelled');
    // The lease pass would stop it too, with its own reason: this one says the notice got there first.
    assert.equal(await held.whyAborted('notify'), CANCELLED_ELSEWHERE);
    await waitFor('host 1 to let the task go', async () => one.guard.running() === 0);
    assert.equal((await alice1.getTask(task.taskId)).status, 'cancelled');
  });

  it('keeps listening after its connection is killed', async () => {
    const channelQuery = `LISTEN ${cancelChannel(pair.schema)}`;
    const admin = await adminClient();
    try {
      const listeners = async (): Promise<number[]> => (await admin.query<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND query = $2 AND state = 'idle'", [LISTEN_APPLICATION_NAME, channelQuery],
      )).rows.map((r) => r.pid);
      await waitFor('both hosts to listen', async () => (await listeners()).length === 2);
      const killed = await listeners();
      await admin.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [killed]);
      await waitFor('both hosts to listen again', async () => {
        const now = await listeners();
        return now.length === 2 && now.every((pid) => !killed.includes(pid));
      });
    } finally {
      await admin.end();
    }
    const bea1 = await one.connect({ sub: 'bea' });
    const bea2 = await two.connect({ sub: 'bea' });
    const task = await bea1.createTask('hold', { label: 'reconnected' });
    await held.whenStarted('reconnected');
    await justAfterALeasePass(task.taskId);
    await bea2.cancel(task.taskId);
    assert.equal(await held.whyAborted('reconnected'), CANCELLED_ELSEWHERE);
  });

  it('takes a notice as a hint only: a forged one for a live task stops nothing', async () => {
    const carl1: GuardedClient = await one.connect({ sub: 'carl' });
    const carl2 = await two.connect({ sub: 'carl' });
    const live = await carl1.createTask('hold', { label: 'forged' });
    const cancelled = await carl1.createTask('hold', { label: 'real' });
    await Promise.all([held.whenStarted('forged'), held.whenStarted('real')]);
    await justAfterALeasePass(cancelled.taskId);
    const admin = await adminClient();
    try {
      // Anyone who can connect can NOTIFY; this one knows the task id, even.
      await admin.query('SELECT pg_notify($1, $2)', [cancelChannel(pair.schema), cancelNotice(live.taskId)]);
    } finally {
      await admin.end();
    }
    await carl2.cancel(cancelled.taskId);
    assert.equal(await held.whyAborted('real'), CANCELLED_ELSEWHERE);
    assert.equal(held.isAborted('forged'), false);
    assert.equal((await carl2.getTask(live.taskId)).status, 'working');
    await carl2.cancel(live.taskId);
    await waitForStatus(carl1, live.taskId, 'cancelled');
  });
});
