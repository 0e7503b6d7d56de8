import { percentile } from '../lib/stats.js';

/** The request kinds whose latency the load run reports; `probe` is a tasks/get on another tenant's task. */
export const REQUEST_KINDS = ['create', 'get', 'result', 'probe'] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];

export interface LatencyMs {
  count: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

/**
 * Everything one configuration's run observed. Latencies count only for requests that started inside the
 * measured window; errors and probe outcomes count for the whole run (warm-up included), because an error
 * during warm-up is still an error.
 */
export class Recorder {
  readonly #samples: Record<RequestKind, number[]> = { create: [], get: [], result: [], probe: [] };
  readonly #errors = new Map<string, number>();
  completed = 0;
  errors = 0;
  probes = 0;
  /** Probes the server refused as "task not found" (-32602): the expected answer. */
  probesRefused = 0;
  /** Probes that returned another tenant's task. */
  crossTenantReads = 0;
  /** Tasks left unfinished when their loop hit the deadline (not errors). */
  abandoned = 0;

  constructor(private readonly window: { start: number; end: number }) {}

  inWindow(atMs: number): boolean {
    return atMs >= this.window.start && atMs < this.window.end;
  }

  sample(kind: RequestKind, startMs: number, endMs: number): void {
    if (this.inWindow(startMs)) this.#samples[kind].push(endMs - startMs);
  }

  taskCompleted(atMs: number): void {
    if (this.inWindow(atMs)) this.completed += 1;
  }

  error(what: string, err: unknown): void {
    this.errors += 1;
    const message = err instanceof Error ? err.message : String(err);
    const key = `${what}: ${message.replace(/[0-9a-f]{8}-[0-9a-f-]{27}|[0-9a-f]{32}/g, '<id>').slice(0, 160)}`;
    this.#errors.set(key, (this.#errors.get(key) ?? 0) + 1);
  }

  /** The most frequent error messages, for the log. */
  errorKinds(limit = 5): [string, number][] {
    return [...this.#errors.entries()].sort((a, b) => b[1] - a[1]).slice(0, limit);
  }

  latency(kind: RequestKind): LatencyMs {
    const sorted = Float64Array.from(this.#samples[kind]).sort();
    return {
      count: sorted.length,
      p50: percentile(sorted, 0.5),
      p99: percentile(sorted, 0.99),
      p999: percentile(sorted, 0.999),
      max: sorted[sorted.length - 1] ?? Number.NaN,
    };
  }

  windowSeconds(): number {
    return (this.window.end - this.window.start) / 1000;
  }
}
