import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { isRecord } from '../decision/parse.js';
import { TaskguardError } from '../errors.js';
import { packageRoot } from '../util/paths.js';
import type { Capabilities } from './capabilities.js';
import { resolvePinnedTool } from './pinned-tool.js';

/** The project's Regal configuration (rules that do not fit taskguard, line length). */
export const DEFAULT_REGAL_CONFIG = path.join(packageRoot, '.regal', 'config.yaml');

export interface RegalViolation {
  file: string;
  row: number;
  col: number;
  rule: string;
  category: string;
  level: string;
  description: string;
}

/** Regal: $REGAL if set, else the pinned build from scripts/install-regal.sh (about a minute the first time). */
export function resolveRegal(): string {
  return resolvePinnedTool('install-regal.sh', 'regal', 'REGAL', 'regal_unavailable');
}

/**
 * `regal lint --format json` over the Rego in `policyDir`, with `configFile` (if it exists) plus the
 * capabilities taskguard builds against, unless that config names its own: rules that would suggest a
 * builtin the wasm runtime lacks are then skipped, as in the build. Exit 0 (clean), 2 (warnings) and 3
 * (errors) all carry a report; anything else means Regal could not run.
 */
export function runRegal(regal: string, policyDir: string, capabilities: Capabilities, configFile: string = DEFAULT_REGAL_CONFIG): RegalViolation[] {
  const work = mkdtempSync(path.join(tmpdir(), 'taskguard-regal-'));
  try {
    const capsFile = path.join(work, 'capabilities.json');
    writeFileSync(capsFile, JSON.stringify(capabilities.document));
    const config = existsSync(configFile) ? (parse(readFileSync(configFile, 'utf8')) as unknown) ?? {} : {};
    if (!isRecord(config)) throw new TaskguardError('usage', `regal config ${configFile} is not a mapping`);
    const merged = path.join(work, 'config.yaml');
    writeFileSync(merged, stringify({ capabilities: { from: { file: capsFile } }, ...config }));
    const run = spawnSync(regal, ['lint', '--format', 'json', '--no-color', '--fail-level', 'warning', '--config-file', merged, '.'], { encoding: 'utf8', cwd: policyDir });
    if (run.status !== 0 && run.status !== 2 && run.status !== 3) {
      throw new TaskguardError('regal_unavailable', `regal lint could not run (exit ${run.status ?? 'signal'}): ${`${run.stdout}${run.stderr}`.trim().slice(0, 300)}`);
    }
    return violations(run.stdout);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function violations(stdout: string): RegalViolation[] {
  let report: unknown;
  try {
    report = JSON.parse(stdout);
  } catch {
    throw new TaskguardError('regal_unavailable', 'regal lint printed no json report');
  }
  const list = isRecord(report) && Array.isArray(report['violations']) ? report['violations'] : [];
  const found = list.filter(isRecord).map((v) => {
    const location = isRecord(v['location']) ? v['location'] : {};
    return {
      file: String(location['file'] ?? '?').replace(/^\.\//, ''),
      row: Number(location['row'] ?? 0),
      col: Number(location['col'] ?? 0),
      rule: String(v['title'] ?? '?'),
      category: String(v['category'] ?? '?'),
      level: String(v['level'] ?? 'error'),
      description: String(v['description'] ?? ''),
    };
  });
  return found.sort((a, b) => a.file.localeCompare(b.file) || a.row - b.row || a.col - b.col);
}
