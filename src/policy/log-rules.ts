import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LOG_ENTRYPOINTS } from '../decision/bundle.js';
import { TaskguardError } from '../errors.js';

const LOG_PACKAGE = ['taskguard', 'log'];
const DECLARES_LOG_PACKAGE = /^\s*package\s+taskguard\.log\s*(?:#.*)?$/m;

interface ParsedModule {
  package?: { path?: Array<{ value?: unknown }> };
  rules?: Array<{ head?: { ref?: Array<{ value?: unknown }>; name?: unknown } }>;
}

/**
 * The decision-log entrypoints the sources define: `mask` and `drop` rules of `package taskguard.log`.
 * opa build refuses an entrypoint no rule defines, so each is compiled only when present. Which rules a file
 * defines is read from OPA's own parse of it, not guessed from text; the text only picks the files to parse.
 */
export function logEntrypoints(policyDir: string, sources: readonly string[], opa: string): string[] {
  const defined = new Set<string>();
  for (const rel of sources.filter((s) => s.endsWith('.rego'))) {
    if (!DECLARES_LOG_PACKAGE.test(readFileSync(path.join(policyDir, rel), 'utf8'))) continue;
    const run = spawnSync(opa, ['parse', '-f', 'json', '--json-include', '-comments', rel], { encoding: 'utf8', cwd: policyDir, maxBuffer: 64 * 1048576 });
    if (run.status !== 0) throw new TaskguardError('build_failed', `opa parse ${rel} failed: ${`${run.stderr}${run.stdout}`.trim().split('\n').slice(0, 5).join(' | ')}`);
    const parsed = JSON.parse(run.stdout) as ParsedModule;
    const pkg = (parsed.package?.path ?? []).slice(1).map((t) => t.value);
    if (pkg.length !== LOG_PACKAGE.length || pkg.some((v, i) => v !== LOG_PACKAGE[i])) continue;
    for (const rule of parsed.rules ?? []) {
      const head = rule.head?.ref?.[0]?.value ?? rule.head?.name;
      if (head === 'mask' || head === 'drop') defined.add(head);
    }
  }
  return (['mask', 'drop'] as const).filter((name) => defined.has(name)).map((name) => LOG_ENTRYPOINTS[name]);
}
