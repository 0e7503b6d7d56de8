/**
 * The wait before retry `attempt` (0 for the first): doubling from `baseMs` up to `maxMs`, then jittered to
 * between half and all of it, so hosts that failed together do not retry together. OPA backs off the same way
 * (util.DefaultBackoff from 100 ms to max_delay_seconds).
 */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return ceiling / 2 + random() * (ceiling / 2);
}

/** The wait between two uploads when all is well: uniform between OPA's min_delay_seconds and max_delay_seconds. */
export function periodMs(minMs: number, maxMs: number, random: () => number = Math.random): number {
  return minMs + random() * (maxMs - minMs);
}
