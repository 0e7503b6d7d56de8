/** The first retry after a failure waits about this long (OPA's downloader: minRetryDelay). */
const RETRY_BASE_MS = 100;
const RETRY_FACTOR = 1.6;
const RETRY_JITTER = 0.2;

/**
 * How long to wait after `failures` consecutive failed polls, as OPA's downloader waits
 * (util.DefaultBackoff): 100 ms grown by 1.6 per failure, up to `maxMs`, then ±20% jitter so that hosts
 * started together do not poll in lockstep; never above `maxMs`.
 */
export function retryDelayMs(failures: number, maxMs: number, random: () => number = Math.random): number {
  let delay = RETRY_BASE_MS;
  for (let n = 0; n < failures && delay < maxMs; n++) delay *= RETRY_FACTOR;
  delay = Math.min(delay, maxMs) * (1 + RETRY_JITTER * (random() * 2 - 1));
  return Math.round(Math.min(delay, maxMs));
}

/** Periodic polling, as OPA polls: a uniform random delay in [minMs, maxMs]. */
export function pollDelayMs(minMs: number, maxMs: number, random: () => number = Math.random): number {
  return Math.round(minMs + (maxMs - minMs) * random());
}
