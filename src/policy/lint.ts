import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runtimeCapabilities, type Capabilities } from './capabilities.js';
import { resolveOpa } from './opa.js';
import { runRegal } from './regal.js';

export interface LintOptions {
  policyDir: string;
  opa?: string;
  /** The Regal binary; null skips Regal. */
  regal: string | null;
  regalConfig?: string;
  capabilities?: Capabilities;
  /** Regal warnings count as problems too (default: only errors do). */
  failOnWarnings?: boolean;
  log?: (line: string) => void;
}

export interface LintReport {
  /** One line per problem, `file[:row:col] what`, paths relative to the policy folder. */
  problems: string[];
  /** Regal findings below the fail level, reported but not failing. */
  notes: string[];
  steps: string[];
}

/**
 * The policy author's lint, in the order Regal's docs recommend: `opa fmt`, `opa check --strict` over every
 * file, `opa check --strict` of what ships (no tests) against the builtins the wasm runtime has (the build's
 * capabilities; tests run in OPA and may use more), then Regal. A step that finds problems stops the later
 * ones only where they would repeat the same errors.
 */
export function lintPolicies(options: LintOptions): LintReport {
  const log = options.log ?? (() => {});
  const opa = options.opa ?? resolveOpa();
  const capabilities = options.capabilities ?? runtimeCapabilities();
  const dir = options.policyDir;
  const report: LintReport = { problems: [], notes: [], steps: [] };
  const step = (name: string, problems: string[]): void => {
    report.steps.push(name);
    report.problems.push(...problems);
    log(`${name}: ${problems.length === 0 ? 'clean' : `${problems.length} problem(s)`}`);
  };

  const fmt = spawnSync(opa, ['fmt', '--list', '.'], { encoding: 'utf8', cwd: dir });
  step('opa fmt', fmt.status === 0 ? lines(fmt.stdout).map((file) => `${relative(file)}: not opa fmt clean (opa fmt -w fixes it)`) : lines(fmt.stderr));

  const strict = spawnSync(opa, ['check', '--strict', '.'], { encoding: 'utf8', cwd: dir });
  step('opa check --strict', checkProblems(strict));
  if (strict.status === 0) {
    const work = mkdtempSync(path.join(tmpdir(), 'taskguard-lint-'));
    try {
      const capsFile = path.join(work, 'capabilities.json');
      writeFileSync(capsFile, JSON.stringify(capabilities.document));
      const shipped = spawnSync(opa, ['check', '--strict', '--capabilities', capsFile, '--ignore', '*_test.rego', '--ignore', 'build', '.'], { encoding: 'utf8', cwd: dir });
      step(`opa check --strict --capabilities ${capabilities.label}`, checkProblems(shipped));
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }

  if (options.regal !== null) {
    const found = runRegal(options.regal, dir, capabilities, options.regalConfig);
    const failing = (level: string): boolean => level === 'error' || (options.failOnWarnings === true && level === 'warning');
    const line = (v: (typeof found)[number]): string => `${v.file}:${v.row}:${v.col} ${v.rule} (${v.category}, ${v.level}) ${v.description}`;
    step('regal lint', found.filter((v) => failing(v.level)).map(line));
    report.notes.push(...found.filter((v) => !failing(v.level)).map(line));
  }
  return report;
}

function checkProblems(run: ReturnType<typeof spawnSync>): string[] {
  if (run.status === 0) return [];
  // opa check prints "N errors occurred:" and then one "file:row: code: message" line per error.
  const found = lines(String(run.stderr ?? '')).filter((l) => !/^\d+ errors? occurred:?$/.test(l)).map((l) => relative(l.replace(/^\d+ errors? occurred: /, '')));
  return found.length > 0 ? found : [`opa check failed (exit ${run.status ?? 'signal'})`];
}

function lines(text: string): string[] {
  return text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
}

function relative(text: string): string {
  return text.replace(/^\.\//, '');
}
