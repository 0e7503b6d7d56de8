/** One property that did not hold for one generated case. */
export interface Finding {
  /** A stable name for the kind of failure, e.g. `-32603 for a client mistake`. */
  kind: string;
  /** Where it showed: the method or kind of request (the row of the closing table). */
  where: string;
  /** What came back, short. */
  detail: string;
}

interface Example {
  count: number;
  where: Map<string, number>;
  /** The smallest case of this kind seen so far (by its printed length), and what came back for it. */
  smallest: string;
  detail: string;
}

/** Every kind of failure a long run met, how often and where, with its smallest example. */
export class Findings {
  readonly #byKind = new Map<string, Example>();

  add(findings: readonly Finding[], printedCase: string): void {
    for (const finding of findings) {
      let seen = this.#byKind.get(finding.kind);
      if (!seen) this.#byKind.set(finding.kind, (seen = { count: 0, where: new Map(), smallest: printedCase, detail: finding.detail }));
      seen.count++;
      seen.where.set(finding.where, (seen.where.get(finding.where) ?? 0) + 1);
      if (printedCase.length < seen.smallest.length) {
        seen.smallest = printedCase;
        seen.detail = finding.detail;
      }
    }
  }

  get size(): number {
    return this.#byKind.size;
  }

  report(): string {
    const kinds = [...this.#byKind.entries()].sort((a, b) => b[1].count - a[1].count);
    return kinds.map(([kind, e]) => {
      const where = [...e.where.entries()].sort((a, b) => b[1] - a[1]).map(([w, n]) => `${w} ${n}`).join(', ');
      return `- ${kind}: ${e.count} cases (${where}); smallest:\n    ${e.smallest}\n    -> ${e.detail}`;
    }).join('\n');
  }
}

/** Thrown inside a property so that fast-check reports (and shrinks) the case. */
export function failWith(findings: readonly Finding[], printedCase: string): never {
  throw new Error(`${findings.map((f) => `${f.kind} (${f.where}): ${f.detail}`).join('\n')}\n  case: ${printedCase}`);
}
