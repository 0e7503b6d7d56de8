import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { TaskguardError, type TaskguardErrorCode } from '../errors.js';
import { packageRoot } from '../util/paths.js';

/**
 * A pinned CLI that one of scripts/install-*.sh builds with Go into tools/ (on first use) unless `$envVar`
 * names a binary; the script prints the binary's path last on stdout, its progress on stderr.
 */
export function resolvePinnedTool(script: string, name: string, envVar: string, code: TaskguardErrorCode): string {
  const run = spawnSync('bash', [path.join(packageRoot, 'scripts', script)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const bin = run.stdout.trim().split('\n').pop() ?? '';
  if (run.status !== 0 || bin === '') {
    throw new TaskguardError(code, `cannot install or find ${name} (exit ${run.status ?? 'signal'}); set ${envVar}=/path/to/${name}`);
  }
  return bin;
}
