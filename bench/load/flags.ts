import { choiceHelp, flagHelp, parseIntFlags, takeChoiceFlags, type IntFlags } from '../lib/args.js';

/** Numeric flags of the load run (bench/lib/args.ts parses them); --quick only changes two defaults. */
export const LOAD_FLAGS = {
  seconds: { default: 30, help: 'measured seconds per configuration' },
  warmup: { default: 5, help: 'unmeasured seconds of load before each window', min: 0 },
  clients: { default: 200, help: 'concurrent clients, each on its own session (2025-11-25) or connection' },
  users: { default: 50, help: 'distinct users (clients are spread over them)' },
  tenants: { default: 5, help: 'tenants the users are spread over (at least 2, for the probe)', min: 2 },
  'probe-permille': { default: 20, help: 'polls per 1000 that name another tenant\'s task', min: 0 },
  seed: { default: 20_251_125, help: 'PRNG seed (polls, probes, tool delays)', min: 0 },
} as const satisfies IntFlags<string>;

const QUICK = { seconds: 5, warmup: 2 } as const;

/** Above this many clients, `--client auto` drives the 2025-11-25 pair with raw-HTTP clients (see clientKind). */
export const AUTO_RAW_ABOVE_CLIENTS = 50;

/** Flags with a value from a short list. */
export const LOAD_CHOICES = {
  client: {
    choices: ['sdk', 'raw', 'auto'], default: 'auto',
    help: `2025-11-25 clients (auto: raw HTTP above ${AUTO_RAW_ABOVE_CLIENTS}; 2026-07-28 is always raw)`,
  },
  store: {
    choices: ['memory', 'sqlite'], default: 'memory',
    help: 'the guard-ON servers\' task store (sqlite: a temp file; the stock servers have none)',
  },
} as const;

export type ClientKind = 'sdk' | 'raw';
export type StoreKind = (typeof LOAD_CHOICES.store.choices)[number];

/** Switches without a value. */
export const LOAD_SWITCHES = {
  quick: `a smoke run: defaults --seconds ${QUICK.seconds} --warmup ${QUICK.warmup} (noisier numbers)`,
  'cpu-prof': 'write a V8 CPU profile of each server child (node --cpu-prof), one folder per configuration, and print where',
  'guard-first': 'run guard ON before guard OFF (default: OFF first), to check for order effects',
  'skip-2026': 'run only the 2025-11-25 pair (default: also the 2026-07-28 pair, createTasksExtension vs tasks by hand)',
} as const;

export type LoadFlags = Record<keyof typeof LOAD_FLAGS, number> & Record<keyof typeof LOAD_SWITCHES, boolean> & {
  client: (typeof LOAD_CHOICES.client.choices)[number];
  store: StoreKind;
};

/** The 2025-11-25 client a run uses: SDK clients where the generator has headroom, raw HTTP where it would not. */
export function clientKind(flags: Pick<LoadFlags, 'client' | 'clients'>): ClientKind {
  if (flags.client !== 'auto') return flags.client;
  return flags.clients > AUTO_RAW_ABOVE_CLIENTS ? 'raw' : 'sdk';
}

/** Returns undefined for --help; throws UsageError on anything else it does not know. */
export function parseLoadFlags(args: readonly string[]): LoadFlags | undefined {
  const choices = takeChoiceFlags(args, LOAD_CHOICES);
  const switches = Object.fromEntries(Object.keys(LOAD_SWITCHES).map((name) => [name, choices.rest.includes(`--${name}`)])) as Record<keyof typeof LOAD_SWITCHES, boolean>;
  const rest = choices.rest.filter((a) => !Object.keys(LOAD_SWITCHES).some((name) => a === `--${name}`));
  const defaults = switches.quick
    ? { ...LOAD_FLAGS, seconds: { ...LOAD_FLAGS.seconds, default: QUICK.seconds }, warmup: { ...LOAD_FLAGS.warmup, default: QUICK.warmup } }
    : LOAD_FLAGS;
  const numbers = parseIntFlags(rest, defaults);
  return numbers ? { ...numbers, ...switches, ...choices.values } : undefined;
}

export function loadUsage(): string {
  const switches = Object.entries(LOAD_SWITCHES).map(([name, help]) => `  --${name.padEnd(16)} ${help}`).join('\n');
  return `usage: npm run bench -- load [flags]\n${flagHelp(LOAD_FLAGS)}\n${choiceHelp(LOAD_CHOICES)}\n${switches}`;
}
