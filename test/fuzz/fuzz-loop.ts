import assert from 'node:assert/strict';
import fc from 'fast-check';
import { failWith, Findings, type Finding } from './findings.js';
import type { FuzzSettings } from './settings.js';
import { Tally } from './tally.js';

/** What one generated case came to. */
export interface Checked {
  /** The row and column of the closing table. */
  row: string;
  outcome: string;
  findings: Finding[];
  /** The case as a person reads it, for the report. */
  printed: string;
}

/**
 * Runs `check` on `settings.runs` cases from `cases`, seeded, and prints the table of outcomes at the end.
 * A short run fails at the first case with a finding and lets fast-check shrink it (seed and counterexample
 * in the failure); a collecting run goes on and fails at the end with every kind of finding it met.
 */
export async function fuzz<T>(settings: FuzzSettings, cases: fc.Arbitrary<T>, check: (c: T) => Promise<Checked>, table: string): Promise<void> {
  const tally = new Tally();
  const findings = new Findings();
  const property = fc.asyncProperty(cases, async (c) => {
    const checked = await check(c);
    tally.add(checked.row, checked.outcome);
    if (checked.findings.length === 0) return;
    if (settings.collect) findings.add(checked.findings, checked.printed);
    else failWith(checked.findings, checked.printed);
  });
  try {
    await fc.assert(property, { seed: settings.seed, numRuns: settings.runs });
  } finally {
    console.log(tally.format(table));
  }
  assert.equal(findings.size, 0, `findings (seed ${settings.seed}):\n${findings.report()}`);
}
