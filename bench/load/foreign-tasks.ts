import type { Rng } from '../lib/rng.js';

/**
 * Recently created task ids per tenant, for the cross-tenant probe. Only the last few per tenant are kept,
 * so a probe names a task that exists (working or just completed), not one long gone: "not found" must come
 * from the binding, not from expiry.
 */
export class ForeignTasks {
  readonly #recent = new Map<string, string[]>();

  constructor(private readonly keep = 32) {}

  add(tenant: string, taskId: string): void {
    let ids = this.#recent.get(tenant);
    if (!ids) {
      ids = [];
      this.#recent.set(tenant, ids);
    }
    ids.push(taskId);
    if (ids.length > this.keep) ids.shift();
  }

  /** A recent task id of a tenant other than `tenant`, or undefined while no other tenant has one. */
  pick(tenant: string, rng: Rng): string | undefined {
    const others = [...this.#recent.keys()].filter((t) => t !== tenant && (this.#recent.get(t)?.length ?? 0) > 0);
    if (others.length === 0) return undefined;
    return rng.pick(this.#recent.get(rng.pick(others)) ?? []);
  }
}
