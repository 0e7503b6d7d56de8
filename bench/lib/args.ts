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

/** A flag with one of a few values: `--name value`. */
export interface ChoiceFlag<V extends string> {
  choices: readonly V[];
  default: V;
  help: string;
}

/**
 * Takes the `--name value` (or `--name=value`) pairs of `flags` out of `args`, so the rest can go to
 * parseIntFlags; a value outside the flag's choices, or a missing one, is a usage error.
 */
export function takeChoiceFlags<F extends Readonly<Record<string, ChoiceFlag<string>>>>(args: readonly string[], flags: F): { values: { [K in keyof F]: F[K]['choices'][number] }; rest: string[] } {
  const values = Object.fromEntries(Object.entries(flags).map(([name, flag]) => [name, flag.default])) as Record<string, string>;
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const [name, inline] = arg.startsWith('--') ? (arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined]) : ['', undefined];
    const flag = Object.hasOwn(flags, name) ? flags[name] : undefined;
    if (!flag) {
      rest.push(arg);
      continue;
    }
    const value = inline ?? args[++i];
    if (value === undefined || !flag.choices.includes(value)) throw new UsageError(`--${name} wants one of ${flag.choices.join(', ')}, got ${String(value)}`);
    values[name] = value;
  }
  return { values: values as { [K in keyof F]: F[K]['choices'][number] }, rest };
}

export function choiceHelp(flags: Readonly<Record<string, ChoiceFlag<string>>>): string {
  return Object.entries(flags).map(([name, flag]) => `  --${name.padEnd(16)} ${flag.help}: ${flag.choices.join(' | ')} (default ${flag.default})`).join('\n');
}
