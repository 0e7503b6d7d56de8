import type { Decider } from './engine.js';

/**
 * The one place a guard takes its policy from. `current()` returns the active snapshot: a Decider is
 * immutable (one wasm module, frozen data, the revisions of both), so whoever holds one decides on exactly
 * that policy however many activations happen meanwhile. A decision reads `current()` once and records that
 * snapshot's revisions; swapping is a single assignment, so no decision ever sees half of two policies.
 */
export interface PolicyHandle {
  current(): Decider;
  /** Called after each activation with the new and the previous snapshot; returns the unsubscribe. */
  onActivate(listener: (next: Decider, previous: Decider) => void): () => void;
}

/** A handle whose snapshot the host replaces (see activation/). Listeners that throw do not stop the swap. */
export class SwappablePolicy implements PolicyHandle {
  #current: Decider;
  readonly #listeners = new Set<(next: Decider, previous: Decider) => void>();

  constructor(initial: Decider) {
    this.#current = initial;
  }

  current(): Decider {
    return this.#current;
  }

  onActivate(listener: (next: Decider, previous: Decider) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /**
   * Makes `next` the active snapshot. Only activation/ calls this, after the candidate passed every check:
   * the handle itself trusts what it is given. Returns the listeners' errors (a tools/list refresh that
   * failed on one closed session), which the caller reports; the swap has happened either way.
   */
  swap(next: Decider): Error[] {
    const previous = this.#current;
    this.#current = next;
    const errors: Error[] = [];
    for (const listener of this.#listeners) {
      try {
        listener(next, previous);
      } catch (err) {
        errors.push(err instanceof Error ? err : new Error(String(err)));
      }
    }
    return errors;
  }
}

/** A fixed policy: what a guard built from a bare Decider uses. */
export function fixedPolicy(decider: Decider): PolicyHandle {
  return { current: () => decider, onActivate: () => () => undefined };
}
