import assert from 'node:assert/strict';
import { waitForStatus, type GuardedClient } from '../../support/stack.js';
import { rpcError } from '../../support/rpc-error.js';
import { OWNER_TASKS } from './callers.js';
import type { World } from './world.js';

/** What alice sees of her tasks: each task as tasks/get returns it, every page of her list, the lifecycle log. */
export interface OwnerView {
  tasks: Record<string, unknown>;
  list: unknown[];
  lifecycle: number;
}

export async function ownerView(world: World): Promise<OwnerView> {
  const client = world.owner.client;
  const tasks: Record<string, unknown> = {};
  for (const name of OWNER_TASKS) tasks[name] = await client.getTask(world.owner.tasks[name]);
  return { tasks, list: await listAll(client), lifecycle: ownerLifecycle(world) };
}

/** Lifecycle records (created, status, cancelled, result read...) of alice's tasks: the fuzz must add none. */
function ownerLifecycle(world: World): number {
  const ids = new Set(Object.values(world.owner.tasks));
  return world.stack.audit.filter((e) => e.kind === 'lifecycle' && e.task_id !== null && ids.has(e.task_id)).length;
}

async function listAll(client: GuardedClient): Promise<unknown[]> {
  const pages: unknown[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.list(cursor);
    pages.push(...page.tasks);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return pages;
}

/**
 * After the run: alice, on her own session, sees everything exactly as before; then, as herself with a fresh
 * step-up, she can still do with each task what its state allows.
 */
export async function assertOwnerUnaffected(world: World, before: OwnerView, heldGate: string): Promise<void> {
  assert.deepEqual(await ownerView(world), before, 'alice\'s tasks, list or lifecycle changed during the fuzz');
  assert.equal(world.stack.gates.aborted.has(heldGate), false, 'alice\'s running tool was aborted');

  const alice = await world.stack.connect({ sub: 'alice', tenant: 'acme', client: 'reports-agent', acr: 'urn:example:mfa', authTimeS: Math.floor(Date.now() / 1000) });
  const { tasks } = world.owner;
  assert.deepEqual((await alice.result(tasks['export-completed'])).content, [{ type: 'text', text: 'exported 3 rows for alice' }], 'the single-read export result was consumed');
  assert.deepEqual((await alice.result(tasks['convert-completed'])).content, [{ type: 'text', text: 'CONVERTED' }]);
  world.stack.gates.release(heldGate);
  await waitForStatus(alice, tasks['convert-working'], 'completed');
  assert.deepEqual((await alice.result(tasks['convert-working'])).content, [{ type: 'text', text: 'HELD' }]);
  assert.equal((await alice.getTask(tasks['approve-input'])).status, 'input_required');
  assert.equal((await rpcError(alice.result(tasks['export-cancelled']))).code, -32800);
}
