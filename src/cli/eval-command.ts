import { parseArgs } from 'node:util';
import { createDecider } from '../decision/engine.js';
import { TaskguardError } from '../errors.js';
import { readYamlFile } from '../util/yaml-file.js';
import type { CommandHelp } from './help.js';
import type { CliIo } from './io.js';
import { loadPolicyOptions, policyOptionHelp, policyOptions } from './policy-options.js';

export const evalUsage = 'taskguard eval --input FILE|- [--policy BUNDLE_DIR] [--data FILE]';

export const evalHelp: CommandHelp = {
  usage: evalUsage,
  summary: 'print the decision for one input',
  options: [['-i, --input FILE|-', 'the decision input, YAML or JSON (- reads stdin)'], ...policyOptionHelp],
};

/** Prints the decision for one input document (YAML or JSON), for debugging a policy or a fixture. */
export function evalCommand(args: string[], io: CliIo): number {
  const { values } = parseArgs({ args, options: { ...policyOptions, input: { type: 'string', short: 'i' } }, strict: true });
  if (!values.input) throw new TaskguardError('usage', `--input is required: ${evalUsage}`);
  const input = readYamlFile(values.input, 'input_invalid');
  const { bundle, data } = loadPolicyOptions(values);
  const decider = createDecider(bundle, { data });
  io.out(JSON.stringify(decider.decide(input), null, 2));
  return 0;
}
