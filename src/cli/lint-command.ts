import { parseArgs } from 'node:util';
import path from 'node:path';
import { isTaskguardError, TaskguardError } from '../errors.js';
import { fileCapabilities } from '../policy/capabilities.js';
import { lintPolicies } from '../policy/lint.js';
import { DEFAULT_REGAL_CONFIG, resolveRegal } from '../policy/regal.js';
import { defaultPolicyDir } from '../util/paths.js';
import type { CommandHelp } from './help.js';
import type { CliIo } from './io.js';

export const lintUsage = 'taskguard lint [--policies DIR] [--regal-config FILE] [--fail-level error|warning] [--skip-regal] [--capabilities FILE]';

export const lintHelp: CommandHelp = {
  usage: lintUsage,
  summary: 'opa fmt, opa check --strict (also against the wasm runtime\'s builtins), then Regal; exit 1 on any problem',
  options: [
    ['--policies DIR', 'the Rego to lint (default: the bundled policies/)'],
    ['--regal-config FILE', 'Regal configuration (default: the project\'s .regal/config.yaml)'],
    ['--fail-level LEVEL', 'error (default) or warning: the Regal level that counts as a problem'],
    ['--skip-regal', 'run only the opa steps (Regal is built with Go on first use, about a minute)'],
    ['--capabilities FILE', 'OPA capabilities for the runtime check (default: the builtins the shipped wasm runtime has)'],
  ],
};

/** Exit 0 when clean, 1 with problems (one line each on stdout), 2 for a usage error or a linter that cannot run. */
export async function lintCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      policies: { type: 'string' }, 'regal-config': { type: 'string' }, 'fail-level': { type: 'string' },
      'skip-regal': { type: 'boolean' }, capabilities: { type: 'string' },
    },
    strict: true,
  });
  const failLevel = values['fail-level'] ?? 'error';
  if (failLevel !== 'error' && failLevel !== 'warning') throw new TaskguardError('usage', '--fail-level must be error or warning');
  const policyDir = path.resolve(values.policies ?? defaultPolicyDir);
  let report;
  try {
    report = lintPolicies({
      policyDir,
      regal: values['skip-regal'] ? null : resolveRegal(),
      regalConfig: values['regal-config'] ? path.resolve(values['regal-config']) : DEFAULT_REGAL_CONFIG,
      failOnWarnings: failLevel === 'warning',
      log: (line) => io.err(line),
      ...(values.capabilities ? { capabilities: fileCapabilities(values.capabilities) } : {}),
    });
  } catch (err) {
    if (isTaskguardError(err) && (err.code === 'regal_unavailable' || err.code === 'opa_unavailable')) {
      io.err(`taskguard lint: ${err.message} [${err.code}]`);
      return 2;
    }
    throw err;
  }
  for (const note of report.notes) io.out(note);
  for (const problem of report.problems) io.out(problem);
  const files = new Set(report.problems.map((p) => p.split(':')[0]));
  const ran = report.steps.join(', ');
  io.err(report.problems.length === 0
    ? `clean: ${ran}${values['skip-regal'] ? ' (regal skipped)' : ''}`
    : `${report.problems.length} problem(s) in ${files.size} file(s): ${ran}`);
  return report.problems.length === 0 ? 0 : 1;
}
