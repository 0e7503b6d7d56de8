/**
 * Promises for "record `seq` has reached `level`" (written, synced, committed...), shared by the audit sinks:
 * each settles them as its writer loop advances, and rejects them all when it fails.
 */
export class SeqWaiters<Level extends string> {
  private waiters: { seq: number; level: Level; resolve: () => void; reject: (err: unknown) => void }[] = [];

  wait(seq: number, level: Level): Promise<void> {
    return new Promise((resolve, reject) => this.waiters.push({ seq, level, resolve, reject }));
  }

  /** Resolves every waiter whose level has reached its seq; `reached(level)` is the last seq at that level. */
  settle(reached: (level: Level) => number): void {
    const keep: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (reached(w.level) >= w.seq) w.resolve();
      else keep.push(w);
    }
    this.waiters = keep;
  }

  rejectAll(error: unknown): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(error);
  }
}
