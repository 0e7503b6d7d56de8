import { parseArgs } from 'node:util';
import path from 'node:path';
import { loadPolicyData } from '../config/policy-data.js';
import { fileCapabilities } from '../policy/capabilities.js';
import { buildBundle } from '../policy/build.js';
import { defaultPolicyDir } from '../util/paths.js';
import { existsSync } from 'node:fs';
import type { CommandHelp } from './help.js';
import type { CliIo } from './io.js';

export const buildUsage = 'taskguard build [--policies DIR] [--out DIR] [--capabilities FILE]';

export const buildHelp: CommandHelp = {
  usage: buildUsage,
  summary: 'compile policies/ (Rego + data) to a wasm bundle',
  options: [
    ['--policies DIR', 'the Rego and data to compile (default: the bundled policies/)'],
    ['--out DIR', 'where the bundle is written (default: DIR/build)'],
    ['--capabilities FILE', 'OPA capabilities to build against (default: the builtins the shipped wasm runtime has)'],
  ],
};

/** Compiles Rego + data to a wasm bundle; validates the data first so a typo fails here, not in a decision. */
export function buildCommand(args: string[], io: CliIo): number {
  const { values } = parseArgs({
    args,
    options: { policies: { type: 'string' }, out: { type: 'string' }, capabilities: { type: 'string' } },
    strict: true,
  });
  const policyDir = path.resolve(values.policies ?? defaultPolicyDir);
  const outDir = path.resolve(values.out ?? path.join(policyDir, 'build'));
  for (const name of ['data.yaml', 'data.yml', 'data.json']) {
    const file = path.join(policyDir, name);
    if (existsSync(file)) loadPolicyData(file);
  }
  const result = buildBundle({
    policyDir,
    outDir,
    log: (line) => io.err(line),
    ...(values.capabilities ? { capabilities: fileCapabilities(values.capabilities) } : {}),
  });
  io.out(JSON.stringify(result.manifest, null, 2));
  return 0;
}
