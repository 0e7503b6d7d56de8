import { flagHelp, parseIntFlags, type IntFlags } from '../lib/args.js';

/** Flags of the soak run (bench/lib/args.ts parses them). */
export const SOAK_FLAGS = {
  minutes: { default: 10, help: 'how long the clients churn' },
  'warmup-minutes': { default: 2, help: 'minutes before growth is measured (heaps, caches and pools fill first)', min: 0 },
  users: { default: 30, help: 'distinct users, one client loop each' },
  'cycles-per-session': { default: 20, help: 'task cycles a client runs before it abandons its session (no DELETE) and opens a new one' },
  'poll-ms': { default: 250, help: 'tasks/get interval while a task runs' },
  'think-ms': { default: 500, help: 'pause between cycles (keeps each user under the committed 600 operations a minute)', min: 0 },
  'idle-seconds': { default: 60, help: 'the host\'s session idle timeout (sessions.idle_timeout_ms); shorter than the run, so reclaiming is part of it' },
  'sample-seconds': { default: 10, help: 'seconds between samples' },
} as const satisfies IntFlags<string>;

export type SoakFlags = Record<keyof typeof SOAK_FLAGS, number>;

/** Returns undefined for --help; throws UsageError on anything else it does not know. */
export function parseSoakFlags(args: readonly string[]): SoakFlags | undefined {
  return parseIntFlags(args, SOAK_FLAGS);
}

export function soakUsage(): string {
  return `usage: npm run bench -- soak [flags]\n${flagHelp(SOAK_FLAGS)}`;
}
