/** What `taskguard COMMAND --help` prints: the usage line(s), what the command does, and a line per option. */
export interface CommandHelp {
  usage: string;
  summary: string;
  options: readonly OptionHelp[];
}

/** The option as it is typed (`-c, --config FILE`), and what it does. */
export type OptionHelp = readonly [flags: string, description: string];

const HELP_OPTION: OptionHelp = ['-h, --help', 'print this help and exit'];

/**
 * Whether `args` ask for help, checked before a command parses anything so that `--help` never loads a
 * config, starts a host or writes a file. Arguments after `--` are operands, never a request for help.
 */
export function asksForHelp(args: readonly string[]): boolean {
  for (const arg of args) {
    if (arg === '--') return false;
    if (arg === '--help' || arg === '-h') return true;
  }
  return false;
}

export function formatHelp(help: CommandHelp): string {
  const usage = help.usage.split('\n').map((line, i) => `${i === 0 ? 'usage: ' : '       '}${line.trim()}`);
  const options = [...help.options, HELP_OPTION];
  const width = Math.max(...options.map(([flags]) => flags.length)) + 2;
  return [...usage, '', help.summary, '', 'options:', ...options.map(([flags, text]) => `  ${flags.padEnd(width)}${text}`)].join('\n');
}
