/** Counts of cases by a row label (a method, an operation) and a column label (an outcome). */
export class Tally {
  readonly #rows = new Map<string, Map<string, number>>();

  add(row: string, outcome: string): void {
    let outcomes = this.#rows.get(row);
    if (!outcomes) this.#rows.set(row, (outcomes = new Map()));
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
  }

  total(): number {
    let sum = 0;
    for (const outcomes of this.#rows.values()) for (const n of outcomes.values()) sum += n;
    return sum;
  }

  /** One line per row, busiest first: `row  total  outcome n, outcome n, ...`. */
  format(title: string): string {
    const rows = [...this.#rows.entries()].map(([row, outcomes]) => {
      const total = [...outcomes.values()].reduce((a, b) => a + b, 0);
      const parts = [...outcomes.entries()].sort((a, b) => b[1] - a[1]).map(([o, n]) => `${o} ${n}`);
      return { row, total, text: parts.join(', ') };
    }).sort((a, b) => b.total - a.total || a.row.localeCompare(b.row));
    const width = Math.max(...rows.map((r) => r.row.length), 6);
    return [`${title}: ${this.total()}`, ...rows.map((r) => `  ${r.row.padEnd(width)} ${String(r.total).padStart(6)}  ${r.text}`)].join('\n');
  }
}
