import { parseArgs } from 'node:util';

/** A numeric flag: `--name N`. */
export interface IntFlag {
  default: number;
  help: string;
  /** Smallest accepted value; 1 unless said. */
  min?: number;
}

export type IntFlags<K extends string> = Readonly<Record<K, IntFlag>>;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * Parses `--flag N` options into integers. Returns undefined when --help was asked for. Unknown flags and
 * non-integers are usage errors: a typo must not silently run the default benchmark.
 */
export function parseIntFlags<K extends string>(args: readonly string[], flags: IntFlags<K>): Record<K, number> | undefined {
  const names = Object.keys(flags) as K[];
  const options = Object.fromEntries(names.map((n) => [n, { type: 'string' as const }]));
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...args], options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (parsed.values['help'] === true) return undefined;
  const out = {} as Record<K, number>;
  for (const name of names) {
    const flag = flags[name];
    const raw = parsed.values[name];
    if (raw === undefined) {
      out[name] = flag.default;
      continue;
    }
    const value = Number(raw);
    const min = flag.min ?? 1;
    if (typeof raw !== 'string' || !/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min) {
      throw new UsageError(`--${name} wants an integer >= ${min}, got ${String(raw)}`);
    }
    out[name] = value;
  }
  return out;
}

export function flagHelp<K extends string>(flags: IntFlags<K>): string {
  return (Object.entries(flags) as [K, IntFlag][])
    .map(([name, flag]) => `  --${name.padEnd(16)} ${flag.help} (default ${flag.default})`)
    .join('\n');
}
