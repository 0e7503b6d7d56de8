import { execFileSync } from 'node:child_process';
import { TaskguardError } from '../errors.js';
import { resolvePinnedTool } from './pinned-tool.js';

/**
 * Finds the OPA CLI: $OPA if set, else the pinned version that scripts/install-opa.sh builds with
 * `go install` into tools/ (building it on first use). Progress from the install goes to stderr.
 */
export function resolveOpa(): string {
  return resolvePinnedTool('install-opa.sh', 'opa', 'OPA', 'opa_unavailable');
}

export function opaVersion(opa: string): string {
  const out = execFileSync(opa, ['version'], { encoding: 'utf8' });
  const match = /^Version:\s*(\S+)/m.exec(out);
  if (!match?.[1]) throw new TaskguardError('opa_unavailable', `cannot read the version of ${opa}`);
  return match[1];
}
