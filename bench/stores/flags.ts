import { flagHelp, parseIntFlags, UsageError, type IntFlags } from '../lib/args.js';

export const STORE_KINDS = ['sqlite', 'postgres'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

/** Numeric flags (bench/lib/args.ts parses them); list flags are handled below. */
export const STORES_FLAGS = {
  samples: { default: 20_000, help: 'timed get calls per store and size; list and countLive take a quarter of it, the sweep a twentieth' },
  warmup: { default: 2_000, help: 'untimed calls per operation before its first round, a tenth before later ones (the sweep a tenth of all that)', min: 0 },
  rounds: { default: 4, help: 'rounds the samples are split into, alternating between the sizes (VM speed phases hit all sizes alike)' },
  'heavy-tasks': { default: 2_000, help: 'tasks of the one heavy owner whose deep pages are listed' },
  seed: { default: 20_251_130, help: 'PRNG seed of the ids, owners and positions picked', min: 0 },
} as const satisfies IntFlags<string>;

const DEFAULT_SIZES = [10_000, 1_000_000] as const;
/** Below this a table holds too few regular owners next to the heavy one to say anything. */
const MIN_SIZE = 5_000;

export type StoresFlags = Record<keyof typeof STORES_FLAGS, number> & { sizes: number[]; stores: StoreKind[] };

/** Returns undefined for --help; throws UsageError on anything it does not know. */
export function parseStoresFlags(args: readonly string[]): StoresFlags | undefined {
  const lists = { sizes: undefined as string | undefined, stores: undefined as string | undefined };
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const match = /^--(sizes|stores)(?:=(.*))?$/.exec(arg);
    if (!match) {
      rest.push(arg);
      continue;
    }
    const name = match[1] as 'sizes' | 'stores';
    const value = match[2] ?? args[++i];
    if (value === undefined || value === '') throw new UsageError(`--${name} wants a comma-separated list`);
    lists[name] = value;
  }
  const numbers = parseIntFlags(rest, STORES_FLAGS);
  if (numbers === undefined) return undefined;
  const sizes = lists.sizes === undefined ? [...DEFAULT_SIZES] : lists.sizes.split(',').map(parseSize);
  const stores = lists.stores === undefined ? [...STORE_KINDS] : lists.stores.split(',').map(parseStoreKind);
  const minSize = Math.max(MIN_SIZE, numbers['heavy-tasks'] * 2);
  for (const size of sizes) if (size < minSize) throw new UsageError(`--sizes: ${size} is below ${minSize} (and at least twice --heavy-tasks)`);
  // Ascending and distinct: the flatness ratio compares the largest with the smallest.
  return { ...numbers, sizes: [...new Set(sizes)].sort((a, b) => a - b), stores: [...new Set(stores)] };
}

/** 10000, 10k, 1m, 1M. */
function parseSize(text: string): number {
  const match = /^(\d+)([km]?)$/i.exec(text.trim());
  if (!match) throw new UsageError(`--sizes: ${JSON.stringify(text)} is not a row count (10000, 10k, 1m)`);
  const unit = (match[2] ?? '').toLowerCase();
  const value = Number(match[1]) * (unit === 'k' ? 1_000 : unit === 'm' ? 1_000_000 : 1);
  if (!Number.isSafeInteger(value)) throw new UsageError(`--sizes: ${text} is too large`);
  return value;
}

function parseStoreKind(text: string): StoreKind {
  const kind = STORE_KINDS.find((k) => k === text.trim());
  if (!kind) throw new UsageError(`--stores: ${JSON.stringify(text)} is not one of ${STORE_KINDS.join(', ')}`);
  return kind;
}

export function storesUsage(): string {
  return [
    'usage: npm run bench -- stores [flags]',
    `  --sizes 10k,1m     tasks in the table, one seeded table per size (default ${DEFAULT_SIZES.join(',')})`,
    `  --stores LIST      any of ${STORE_KINDS.join(',')} (default both)`,
    flagHelp(STORES_FLAGS),
    '',
    'PostgreSQL: set TASKGUARD_BENCH_POSTGRES_URL (or TASKGUARD_TEST_POSTGRES_URL); each size runs in a fresh',
    'schema that is dropped afterwards. A throwaway server: eval "$(bash scripts/postgres-test.sh start /tmp/pg-bench)"',
  ].join('\n');
}
