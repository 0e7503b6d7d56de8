import type { InputAnswer, InputQuestion } from './tools.js';

/**
 * A question a task is waiting on: delivered on 2025-11-25 by a requestor's tasks/result, surfaced on
 * 2026-07-28 by tasks/get under its key and answered by tasks/update. Both wires see the same question.
 * A task may wait on several at once (a tool asking in parallel): 2026-07-28 shows them all and takes
 * their answers together or one by one; 2025-11-25 delivers them one at a time, in the order asked.
 */
export interface PendingInput {
  question: InputQuestion;
  /** Unique over the task's life (2026-07-28: inputRequests keys are never reused). */
  key: string;
  resolve(answer: InputAnswer): void;
  reject(error: Error): void;
  /** `waiting` until the question has its answer (whichever wire brought it) or fails with its task. */
  state: 'waiting' | 'answered' | 'failed';
  /** Set while a tasks/result is delivering it, so two readers never both answer. */
  delivering: boolean;
  /** The delivery in progress, if any. */
  delivery?: Delivery;
}

/** One tasks/result delivering a question: aborted when the answer is refused, which is then `refused`. */
export interface Delivery {
  abort: AbortController;
  refused?: Error;
}

/**
 * Running tasks: each has an AbortController (cancel and expiry stop the work, not just the record) and an
 * expiry timer; anyone may wait for a task's next change (tasks/result blocks on it).
 */
export class Workers {
  readonly #controllers = new Map<string, AbortController>();
  /** The questions each task waits on, in the order asked. */
  readonly #inputs = new Map<string, PendingInput[]>();
  /** Questions each running task has asked so far: the source of its question keys. */
  readonly #asked = new Map<string, number>();
  /** Workers still finishing (their final transition and audit record), so shutdown can wait for them. */
  readonly #inFlight = new Set<Promise<void>>();

  track(work: Promise<void>): void {
    this.#inFlight.add(work);
    void work.finally(() => this.#inFlight.delete(work));
  }

  /** Resolves when every tracked worker has finished, or after `limitMs`. */
  async drained(limitMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((resolve) => (timer = setTimeout(resolve, limitMs)));
    await Promise.race([Promise.allSettled([...this.#inFlight]), limit]);
    clearTimeout(timer);
  }
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #waiters = new Map<string, Set<() => void>>();

  start(id: string): AbortController {
    const controller = new AbortController();
    this.#controllers.set(id, controller);
    return controller;
  }

  /** Stops the work of a task, if it is running here (and fails any input it waits for). */
  abort(id: string, reason: string): void {
    this.#rejectInputs(id, reason);
    this.#controllers.get(id)?.abort(new Error(reason));
  }

  #rejectInputs(id: string, reason: string): void {
    for (const pending of [...(this.#inputs.get(id) ?? [])]) pending.reject(new Error(reason));
  }

  finished(id: string): void {
    this.#controllers.delete(id);
    this.#asked.delete(id);
  }

  /** Calls `expire` at `atMs` (clamped to now); timers never keep the process alive. */
  scheduleExpiry(id: string, delayMs: number, expire: () => void): void {
    // setTimeout caps at 2^31-1 ms; the periodic sweep covers anything longer.
    const timer = setTimeout(expire, Math.min(Math.max(0, delayMs), 2_147_483_647));
    timer.unref();
    this.#timers.set(id, timer);
  }

  /**
   * Registers an input the task waits for, beside any it already waits for; it is rejected when the task is
   * forgotten. Its key counts the task's questions, and the count lives as long as the work, the only thing
   * that can ask again.
   */
  awaitInput(id: string, question: InputQuestion): Promise<InputAnswer> {
    const asked = (this.#asked.get(id) ?? 0) + 1;
    this.#asked.set(id, asked);
    return new Promise((resolve, reject) => {
      const pending: PendingInput = {
        question,
        key: `input-${asked}`,
        state: 'waiting',
        delivering: false,
        resolve: (r) => {
          if (settle('answered')) resolve(r);
        },
        reject: (e) => {
          if (settle('failed')) reject(e);
        },
      };
      // The first outcome wins: a second (an answer through the other wire, a late delivery) must neither
      // change it nor touch the task's other questions.
      const settle = (state: 'answered' | 'failed'): boolean => {
        if (pending.state !== 'waiting') return false;
        pending.state = state;
        const waiting = this.#inputs.get(id)?.filter((p) => p !== pending) ?? [];
        if (waiting.length > 0) this.#inputs.set(id, waiting);
        else this.#inputs.delete(id);
        return true;
      };
      this.#inputs.set(id, [...(this.#inputs.get(id) ?? []), pending]);
      this.changed(id);
    });
  }

  /** The first question the task waits on (the next one 2025-11-25's tasks/result delivers). */
  pendingInput(id: string): PendingInput | undefined {
    return this.#inputs.get(id)?.[0];
  }

  /** Every question the task waits on, in the order asked. */
  pendingInputs(id: string): readonly PendingInput[] {
    return this.#inputs.get(id) ?? [];
  }

  /** Forgets a task entirely: stops its work and its timer, wakes its waiters. */
  forget(id: string, reason: string): void {
    this.abort(id, reason);
    this.#controllers.delete(id);
    this.#asked.delete(id);
    const timer = this.#timers.get(id);
    if (timer) clearTimeout(timer);
    this.#timers.delete(id);
    this.changed(id);
  }

  changed(id: string): void {
    const waiters = this.#waiters.get(id);
    if (!waiters) return;
    this.#waiters.delete(id);
    for (const wake of waiters) wake();
  }

  /**
   * Resolves at the task's next change here, or after `maxWaitMs` (when changes can also happen in another
   * process sharing the store, the caller re-reads the record on each wake); rejects when `signal` aborts.
   */
  nextChange(id: string, signal: AbortSignal, maxWaitMs?: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      let waiters = this.#waiters.get(id);
      if (!waiters) {
        waiters = new Set();
        this.#waiters.set(id, waiters);
      }
      const set = waiters;
      let timer: NodeJS.Timeout | undefined;
      const leave = (): void => {
        clearTimeout(timer);
        set.delete(wake);
        if (set.size === 0 && this.#waiters.get(id) === set) this.#waiters.delete(id);
      };
      const wake = (): void => {
        leave();
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        leave();
        reject(signal.reason);
      };
      if (maxWaitMs !== undefined) timer = setTimeout(wake, maxWaitMs);
      waiters.add(wake);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  running(): number {
    return this.#controllers.size;
  }

  runningIds(): string[] {
    return [...this.#controllers.keys()];
  }

  isRunning(id: string): boolean {
    return this.#controllers.has(id);
  }

  stopAll(reason: string): void {
    for (const id of [...this.#controllers.keys(), ...this.#timers.keys()]) this.forget(id, reason);
  }
}
