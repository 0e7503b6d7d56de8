import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { TaskguardError } from '../errors.js';
import { packageRoot } from '../util/paths.js';

/**
 * Finds the OPA CLI: $OPA if set, else the pinned version that scripts/install-opa.sh builds with
 * `go install` into tools/ (building it on first use). Progress from the install goes to stderr.
 */
export function resolveOpa(): string {
  const script = path.join(packageRoot, 'scripts', 'install-opa.sh');
  const run = spawnSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const bin = run.stdout.trim().split('\n').pop() ?? '';
  if (run.status !== 0 || bin === '') {
    throw new TaskguardError('opa_unavailable', `cannot install or find opa (exit ${run.status ?? 'signal'}); set OPA=/path/to/opa`);
  }
  return bin;
}

export function opaVersion(opa: string): string {
  const out = execFileSync(opa, ['version'], { encoding: 'utf8' });
  const match = /^Version:\s*(\S+)/m.exec(out);
  if (!match?.[1]) throw new TaskguardError('opa_unavailable', `cannot read the version of ${opa}`);
  return match[1];
}
