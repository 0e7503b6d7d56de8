import { isTaskguardError } from '../errors.js';
import { auditCommand, auditUsage } from './audit-command.js';
import { buildCommand, buildUsage } from './build-command.js';
import { evalCommand, evalUsage } from './eval-command.js';
import { processIo, type CliIo } from './io.js';
import { serveCommand, serveUsage } from './serve-command.js';
import { demoCommand, demoUsage } from './demo-command.js';
import { tokenCommand, tokenUsage } from './token-command.js';
import { testCommand, testUsage } from './test-command.js';

type Command = (args: string[], io: CliIo) => number | Promise<number>;

const commands: Record<string, { run: Command; usage: string; summary: string }> = {
  serve: { run: serveCommand, usage: serveUsage, summary: 'run the reference MCP Tasks host (HTTP on 127.0.0.1:8787/mcp, or stdio)' },
  demo: { run: demoCommand, usage: demoUsage, summary: 'a guided walkthrough on a throwaway host: allows, denials, step-up, cancels, audit verify' },
  token: { run: tokenCommand, usage: tokenUsage, summary: 'DEV ONLY: mint a token the dev identity trusts' },
  build: { run: buildCommand, usage: buildUsage, summary: 'compile policies/ (Rego + data) to a wasm bundle' },
  test: { run: testCommand, usage: testUsage, summary: 'run decision fixtures through the compiled bundle' },
  eval: { run: evalCommand, usage: evalUsage, summary: 'print the decision for one input' },
  audit: { run: auditCommand, usage: auditUsage, summary: 'verify an audit log\'s hash chain and head' },
};

export function usage(): string {
  const lines = Object.values(commands).map((c) => `  ${c.usage}\n      ${c.summary}`);
  return ['usage:', ...lines].join('\n');
}

/** Runs one CLI command; returns the exit code. 2 is a usage error, 1 a failure the command reports. */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage());
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (!command) {
    io.err(`taskguard: unknown command ${name}`);
    io.err(usage());
    return 2;
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
      io.err(`usage: ${command.usage}`);
      return 2;
    }
    throw err;
  }
}
