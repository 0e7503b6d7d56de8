import { parseArgs } from 'node:util';
import path from 'node:path';
import { loadFixtures } from '../fixtures/fixture.js';
import { formatDiff } from '../fixtures/compare.js';
import { runFixtures } from '../fixtures/run.js';
import { defaultFixturesDir } from '../util/paths.js';
import type { CommandHelp } from './help.js';
import type { CliIo } from './io.js';
import { loadPolicyOptions, policyOptionHelp, policyOptions } from './policy-options.js';

export const testUsage = 'taskguard test [FIXTURES_DIR] [--policy BUNDLE_DIR] [--data FILE] [--verbose]';

export const testHelp: CommandHelp = {
  usage: testUsage,
  summary: 'run decision fixtures through the compiled bundle',
  options: [
    ['FIXTURES_DIR', 'the fixtures to run (default: the bundled fixtures/)'],
    ...policyOptionHelp,
    ['-v, --verbose', 'list the passing cases too'],
  ],
};

/**
 * Runs decision fixtures through the compiled bundle with the runtime's own engine. Prints a diff for each
 * failing case and ends with `N passed, N failed`; exits 1 when any case failed.
 */
export function testCommand(args: string[], io: CliIo): number {
  const { values, positionals } = parseArgs({
    args,
    options: { ...policyOptions, verbose: { type: 'boolean', short: 'v' } },
    allowPositionals: true,
    strict: true,
  });
  const dir = path.resolve(positionals[0] ?? defaultFixturesDir);
  const { bundle, data } = loadPolicyOptions(values);
  const { fixtures, broken } = loadFixtures(dir);
  io.err(`running ${fixtures.length + broken.length} fixtures from ${dir} against policy ${bundle.manifest.revision.slice(0, 12)}`);
  const summary = runFixtures(bundle, data, fixtures, broken);
  for (const result of summary.results) {
    if (result.passed) {
      if (values.verbose) io.out(`ok   ${result.name}`);
      continue;
    }
    io.out(`FAIL ${result.name}${result.description ? ` - ${result.description}` : ''}`);
    if (result.error) io.out(`    error: ${result.error}`);
    for (const diff of result.diffs) io.out(formatDiff(diff));
    if (result.decision && result.diffs.length > 0) io.out(`    decision: ${JSON.stringify(result.decision)}`);
  }
  io.out(`${summary.passed} passed, ${summary.failed} failed`);
  return summary.failed === 0 ? 0 : 1;
}
