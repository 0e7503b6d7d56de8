import { parseArgs } from 'node:util';
import { runWalkthrough } from '../host/walkthrough.js';
import type { CommandHelp } from './help.js';
import type { CliIo } from './io.js';

export const demoUsage = 'taskguard demo';

export const demoHelp: CommandHelp = {
  usage: demoUsage,
  summary: 'a guided walkthrough on a throwaway host with its own config and state: allows, denials, step-up, cancels, audit verify',
  options: [],
};

/** The guided walkthrough on a throwaway host: exits 0 only if every step behaved as the policy says. */
export async function demoCommand(args: string[], io: CliIo): Promise<number> {
  parseArgs({ args, options: {}, strict: true });
  return runWalkthrough((line) => io.out(line));
}
