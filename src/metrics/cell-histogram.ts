import type { Metric, Registry } from 'prom-client';

interface Sample {
  value: number;
  labels: Record<string, string | number>;
  metricName: string;
}

/**
 * A histogram over at most one label with fixed values, observed into plain arrays and rendered by
 * prom-client's registry at scrape time. prom-client's own Histogram hashes the label set on every observe
 * (about 0.2 us measured), paid on a decision's path; a bucket scan over ten bounds costs nanoseconds. It
 * is a prom-client metric as the registry sees one (name, help, type, get()), so it sits in the same
 * registry and exposition as the others.
 */
export class CellHistogram {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #label: string | undefined;
  readonly #values: readonly string[];
  readonly #bounds: readonly number[];
  /** Per label value: the count of each bucket (not cumulative), the last one past every bound. */
  readonly #counts: Float64Array;
  readonly #sums: Float64Array;

  constructor(registry: Registry, options: { name: string; help: string; buckets: readonly number[]; label?: readonly [string, readonly string[]] }) {
    this.name = options.name;
    this.help = options.help;
    this.#label = options.label?.[0];
    this.#values = options.label?.[1] ?? [''];
    this.#bounds = options.buckets;
    this.#counts = new Float64Array(this.#values.length * (this.#bounds.length + 1));
    this.#sums = new Float64Array(this.#values.length);
    // The registry reads name, type and get() only; its types list prom-client's own classes.
    registry.registerMetric(this as unknown as Metric);
  }

  /** Records `seconds` under the label value at `position` (0 without a label). */
  observe(position: number, seconds: number): void {
    const bounds = this.#bounds;
    let bucket = 0;
    while (bucket < bounds.length && seconds > (bounds[bucket] ?? Infinity)) bucket++;
    const cell = position * (bounds.length + 1) + bucket;
    this.#counts[cell] = (this.#counts[cell] ?? 0) + 1;
    this.#sums[position] = (this.#sums[position] ?? 0) + seconds;
  }

  /** What prom-client's Histogram.get() returns: cumulative buckets up to +Inf, then sum and count. */
  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: Sample[] }> {
    const values: Sample[] = [];
    const width = this.#bounds.length + 1;
    this.#values.forEach((labelValue, position) => {
      const labels: Record<string, string> = this.#label ? { [this.#label]: labelValue } : {};
      let cumulative = 0;
      for (let b = 0; b < width; b++) {
        cumulative += this.#counts[position * width + b] ?? 0;
        values.push({ value: cumulative, labels: { ...labels, le: b < this.#bounds.length ? (this.#bounds[b] ?? 0) : '+Inf' }, metricName: `${this.name}_bucket` });
      }
      values.push({ value: this.#sums[position] ?? 0, labels, metricName: `${this.name}_sum` });
      values.push({ value: cumulative, labels, metricName: `${this.name}_count` });
    });
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}
