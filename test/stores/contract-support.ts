import type { TaskOwner } from '../../src/decision/types.js';
import type { TaskRecord, TaskStore } from '../../src/stores/types.js';

/** A fresh, empty store and how to dispose of it (close the handle, remove its files). */
export interface StoreHandle<S extends TaskStore = TaskStore> {
  store: S;
  close(): Promise<void>;
}
export type MakeStore<S extends TaskStore = TaskStore> = () => Promise<StoreHandle<S>>;

export const alice: TaskOwner = { sub: 'alice', tenant: 'acme', client_id: 'app' };
export const bob: TaskOwner = { sub: 'bob', tenant: 'acme', client_id: 'app' };
export const mallory: TaskOwner = { sub: 'mallory', tenant: 'globex', client_id: 'app' };
/** Alice's sub in another tenant and through another client: different owners, each field counts. */
export const aliceAtGlobex: TaskOwner = { sub: 'alice', tenant: 'globex', client_id: 'app' };
export const aliceViaCli: TaskOwner = { sub: 'alice', tenant: 'acme', client_id: 'cli' };

/** A working task created at `createdMs` that expires 1000 ms later, unless `patch` says otherwise. */
export function record(id: string, owner: TaskOwner = alice, createdMs = 1000, patch: Partial<TaskRecord> = {}): TaskRecord {
  return {
    id, tool: 't', owner: { ...owner }, scopes: ['s'], status: 'working', createdMs, updatedMs: createdMs, ttlMs: 1000,
    expiresMs: createdMs + 1000, pollIntervalMs: 100, resultsRead: 0, revoked: false, ...patch,
  };
}

export function completed(id: string, owner: TaskOwner = alice, result: Record<string, unknown> = { content: [{ type: 'text', text: 'done' }] }): TaskRecord {
  return record(id, owner, 1000, { status: 'completed', outcome: { kind: 'result', result } });
}

/** Runs `body` on a fresh store and always disposes of it. */
export async function withStore<S extends TaskStore>(make: MakeStore<S>, body: (store: S) => Promise<void>): Promise<void> {
  const handle = await make();
  try {
    await body(handle.store);
  } finally {
    await handle.close();
  }
}

export function ids(records: readonly TaskRecord[]): string[] {
  return records.map((r) => r.id);
}
