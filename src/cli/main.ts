import { isTaskguardError } from '../errors.js';
import { auditCommand, auditHelp } from './audit-command.js';
import { buildCommand, buildHelp } from './build-command.js';
import { lintCommand, lintHelp } from './lint-command.js';
import { evalCommand, evalHelp } from './eval-command.js';
import { asksForHelp, formatHelp, type CommandHelp } from './help.js';
import { processIo, type CliIo } from './io.js';
import { replayCommand, replayHelp } from './replay-command.js';
import { serveCommand, serveHelp } from './serve-command.js';
import { demoCommand, demoHelp } from './demo-command.js';
import { tokenCommand, tokenHelp } from './token-command.js';
import { testCommand, testHelp } from './test-command.js';

type Command = (args: string[], io: CliIo) => number | Promise<number>;

const commands: Record<string, { run: Command; help: CommandHelp }> = {
  serve: { run: serveCommand, help: serveHelp },
  demo: { run: demoCommand, help: demoHelp },
  token: { run: tokenCommand, help: tokenHelp },
  build: { run: buildCommand, help: buildHelp },
  lint: { run: lintCommand, help: lintHelp },
  test: { run: testCommand, help: testHelp },
  eval: { run: evalCommand, help: evalHelp },
  audit: { run: auditCommand, help: auditHelp },
  replay: { run: replayCommand, help: replayHelp },
};

export function usage(): string {
  const lines = Object.values(commands).map(({ help }) => `  ${help.usage}\n      ${help.summary}`);
  return ['usage:', ...lines].join('\n');
}

/** Runs one CLI command; returns the exit code. 2 is a usage error, 1 a failure the command reports. */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [first, ...afterFirst] = argv;
  if (first === undefined || first === '--help' || first === '-h' || (first === 'help' && afterFirst.length === 0)) {
    io.out(usage());
    return first === undefined ? 2 : 0;
  }
  // `taskguard help COMMAND` is COMMAND --help.
  const [name, ...rest] = first === 'help' ? [afterFirst[0] as string, '--help'] : [first, ...afterFirst];
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!command) {
    io.err(`taskguard: unknown command ${name}`);
    io.err(usage());
    return 2;
  }
  if (asksForHelp(rest)) {
    io.out(formatHelp(command.help));
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (isTaskguardError(err)) {
      io.err(`taskguard ${name}: ${err.message} [${err.code}]`);
      return err.code === 'usage' ? 2 : 1;
    }
    // parseArgs throws TypeErrors with a code for unknown or malformed options.
    if (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS')) {
      io.err(`taskguard ${name}: ${err.message}`);
      io.err(`usage: ${command.help.usage}`);
      return 2;
    }
    throw err;
  }
}
