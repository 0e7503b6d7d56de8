import { Counter, type Registry } from 'prom-client';
import { TaskguardError } from '../errors.js';

/**
 * A counter over a fixed grid of label values, counted per request into a plain array cell and handed to
 * prom-client only at scrape time. prom-client hashes the label set on every inc (about 0.2 us measured),
 * which a decision pays on its own path; an array cell costs a few nanoseconds. Every series exists from the
 * start at 0, so a rate over a series that has not moved yet is 0, not missing.
 */
export class CellCounter {
  readonly #cells: Float64Array;
  /** How many values the second and the third label have (1 when absent), to find a cell without allocating. */
  readonly #second: number;
  readonly #third: number;

  /** `labels`: each label name with its values, in order (one to three labels); a cell is one value of each. */
  constructor(registry: Registry, name: string, help: string, labels: ReadonlyArray<readonly [string, readonly string[]]>) {
    if (labels.length < 1 || labels.length > 3) throw new TaskguardError('usage', `counter ${name} takes one to three labels`);
    const sets = grid(labels);
    const cells = new Float64Array(sets.length);
    this.#cells = cells;
    this.#second = labels[1]?.[1].length ?? 1;
    this.#third = labels[2]?.[1].length ?? 1;
    const counter = new Counter({
      name, help, labelNames: labels.map(([label]) => label), registers: [registry],
      collect() {
        for (let i = 0; i < cells.length; i++) {
          const n = cells[i] ?? 0;
          if (n === 0) continue;
          cells[i] = 0;
          this.inc(sets[i] ?? {}, n);
        }
      },
    });
    for (const set of sets) counter.inc(set, 0);
  }

  /** Counts one in the cell of these value positions, one per label in the constructor's order. */
  add(first: number, second = 0, third = 0): void {
    const cell = (first * this.#second + second) * this.#third + third;
    this.#cells[cell] = (this.#cells[cell] ?? 0) + 1;
  }
}

/** Every combination of one value per label, the last label varying fastest (the order `add` indexes). */
function grid(labels: ReadonlyArray<readonly [string, readonly string[]]>): Record<string, string>[] {
  let sets: Record<string, string>[] = [{}];
  for (const [label, values] of labels) sets = sets.flatMap((set) => values.map((value) => ({ ...set, [label]: value })));
  return sets;
}
