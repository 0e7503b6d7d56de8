import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import type { StorePair } from '../stores/leased-contract.js';
import { newSigningKey, startStack, waitForStatus, type GuardedClient, type Stack } from '../support/stack.js';
import { IDEMPOTENCY_META_KEY } from '../../src/guard/idempotency.js';
import { rpcError } from '../support/rpc-error.js';


/** The same answer a made-up id gets, so a foreign task is indistinguishable from a missing one. */
async function notFound(promise: Promise<unknown>): Promise<void> {
  const err = await rpcError(promise);
  assert.equal(err.code, -32602);
  assert.match(err.message, /task not found$/);
}

const LEASE_MS = 600;

/**
 * Two hosts, each with its own HTTP server, guard and store handle, sharing one database: what a
 * deployment behind a load balancer looks like. Tokens from one issuer verify on both.
 */
export function describeManyHosts(name: string, makePair: () => Promise<StorePair>): void {
  describe(`two hosts sharing one ${name} store`, () => {
    let pair: StorePair;
    let one: Stack;
    let two: Stack;
    before(async () => {
      pair = await makePair();
      const signing = await newSigningKey();
      // Hosts behind one balancer share the cursor key, so a page cursor from one is good on the other.
      const cursorSecret = randomBytes(32);
      const guard = { leaseMs: LEASE_MS, changePollMs: 50, cursorSecret };
      one = await startStack({ store: pair.a, signing, guard: { ...guard, instanceId: 'host-1' } });
      two = await startStack({ store: pair.b, signing, guard: { ...guard, instanceId: 'host-2' } });
    });
    after(async () => {
      await one.close();
      await two.close();
      await pair.close();
    });

    it('lets the owner poll, read and list through host 2 a task created through host 1', async () => {
      const alice1 = await one.connect({ sub: 'alice' });
      const alice2 = await two.connect({ sub: 'alice' });
      const task = await alice1.createTask('convert_document', { text: 'shared', gate: 'mh-read' });
      await one.gates.started('mh-read');
      assert.equal((await alice2.getTask(task.taskId)).statusMessage, 'converting');
      // tasks/result through host 2 waits for work running on host 1.
      const result = alice2.result(task.taskId);
      one.gates.release('mh-read');
      assert.deepEqual((await result).content, [{ type: 'text', text: 'SHARED' }]);
      const listed1 = (await alice1.list()).tasks.map((t) => [t.taskId, t.status]);
      const listed2 = (await alice2.list()).tasks.map((t) => [t.taskId, t.status]);
      assert.deepEqual(listed2, listed1, 'tasks/list agrees on both hosts');
      assert.ok(listed1.some(([id]) => id === task.taskId));
    });

    it('denies everyone else on both hosts exactly like a missing task', async () => {
      const alice1 = await one.connect({ sub: 'alice' });
      const task = await alice1.createTask('convert_document', { text: 'private', gate: 'mh-deny' });
      await one.gates.started('mh-deny');
      const strangers: GuardedClient[] = [];
      for (const stack of [one, two]) {
        strangers.push(await stack.connect({ sub: 'bob' }));
        strangers.push(await stack.connect({ sub: 'alice', tenant: 'globex' }));
        strangers.push(await stack.connect({ sub: 'alice', client: 'other-app' }));
      }
      for (const s of strangers) {
        await notFound(s.getTask(task.taskId));
        await notFound(s.result(task.taskId));
        await notFound(s.cancel(task.taskId));
        assert.ok(!(await s.list()).tasks.some((t) => t.taskId === task.taskId));
      }
      one.gates.release('mh-deny');
      await waitForStatus(alice1, task.taskId, 'completed');
    });

    it('stops the work running on host 1 when the owner cancels through host 2', async () => {
      const alice1 = await one.connect({ sub: 'alice' });
      const alice2 = await two.connect({ sub: 'alice' });
      const task = await alice1.createTask('convert_document', { text: 'stop me', gate: 'mh-cancel' });
      await one.gates.started('mh-cancel');
      const waiting = alice1.result(task.taskId).catch((err: unknown) => err);
      const cancelled = await alice2.cancel(task.taskId);
      assert.equal(cancelled.status, 'cancelled');
      // Host 1 learns at its next lease pass (every third of the lease) and aborts the tool.
      const until = Date.now() + LEASE_MS * 3;
      while (!one.gates.aborted.has('mh-cancel') && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      assert.ok(one.gates.aborted.has('mh-cancel'), 'the tool on host 1 saw its signal abort');
      assert.equal(one.guard.running(), 0);
      const answer = await waiting;
      assert.ok(answer instanceof McpError, 'a tasks/result waiting on host 1 ends with the cancellation');
      assert.equal((await alice1.getTask(task.taskId)).status, 'cancelled');
      assert.equal((await alice2.getTask(task.taskId)).status, 'cancelled');
    });

    it('answers a create retried through the other host with the same task', async () => {
      const alice1 = await one.connect({ sub: 'alice-idem' });
      const alice2 = await two.connect({ sub: 'alice-idem' });
      const meta = { [IDEMPOTENCY_META_KEY]: 'across-hosts' };
      const first = await alice1.createTask('export_data', { rows: 2 }, undefined, meta);
      const retry = await alice2.createTask('export_data', { rows: 2 }, undefined, meta);
      assert.equal(retry.taskId, first.taskId);
      assert.equal((await alice2.list()).tasks.length, 1);
    });

    it('pages tasks/list with a cursor from one host accepted by the other', async () => {
      const carol1 = await one.connect({ sub: 'carol' });
      const carol2 = await two.connect({ sub: 'carol' });
      for (let i = 0; i < 55; i++) await (i % 2 ? carol1 : carol2).createTask('export_data', { rows: 1 });
      const page1 = await carol1.list();
      assert.equal(page1.tasks.length, 50);
      assert.ok(page1.nextCursor);
      const page2 = await carol2.list(page1.nextCursor);
      assert.equal(page2.tasks.length, 5);
      assert.equal(new Set([...page1.tasks, ...page2.tasks].map((t) => t.taskId)).size, 55);
    });
  });
}
