/**
 * Named gates that test tools wait on, so a test can hold a task in `working` for exactly as long as it
 * needs, with no sleeps; `waiting` also tells a test that the tool really started, and `aborted` that the
 * tool's signal fired (cancel and expiry must stop the work itself, not just the record).
 */
export class Gates {
  readonly #open = new Map<string, () => void>();
  readonly #started = new Map<string, PromiseWithResolversLike>();
  readonly aborted = new Set<string>();

  /** Waits until `release(name)` or until `signal` aborts (then records the abort and throws). */
  wait(name: string, signal: AbortSignal): Promise<void> {
    this.#startedFor(name).resolve();
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        this.aborted.add(name);
        reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.#open.set(name, () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }

  /** Resolves once a tool is waiting at `name`. */
  started(name: string): Promise<void> {
    return this.#startedFor(name).promise;
  }

  release(name: string): void {
    this.#open.get(name)?.();
    this.#open.delete(name);
  }

  #startedFor(name: string): PromiseWithResolversLike {
    let entry = this.#started.get(name);
    if (!entry) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      entry = { promise, resolve };
      this.#started.set(name, entry);
    }
    return entry;
  }
}

interface PromiseWithResolversLike {
  promise: Promise<void>;
  resolve: () => void;
}
