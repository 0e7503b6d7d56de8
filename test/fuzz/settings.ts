/**
 * How long and from where a fuzz run goes. `npm test` runs each fuzz briefly with a fixed seed, so the
 * suite stays fast and a failure replays exactly; `npm run fuzz` runs long (TASKGUARD_FUZZ_RUNS) and
 * collects (TASKGUARD_FUZZ_COLLECT=1). Either way the seed is printed first; TASKGUARD_FUZZ_SEED replays.
 */
export interface FuzzSettings {
  seed: number;
  runs: number;
  /**
   * A long run keeps going past a failure and reports every failure class it met, each with its smallest
   * example: one run then maps all that is wrong. A short run stops at the first failure and shrinks it.
   */
  collect: boolean;
}

const DEFAULT_SEED = 20_251_125;

export function fuzzSettings(defaultRuns: number): FuzzSettings {
  return {
    seed: wholeNumberFromEnv('TASKGUARD_FUZZ_SEED', 0) ?? DEFAULT_SEED,
    runs: wholeNumberFromEnv('TASKGUARD_FUZZ_RUNS', 1) ?? defaultRuns,
    collect: process.env['TASKGUARD_FUZZ_COLLECT'] === '1',
  };
}

function wholeNumberFromEnv(name: string, min: number): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min) throw new Error(`${name} must be a whole number of at least ${min}, got \`${raw}\``);
  return value;
}
