import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { canonicalJson } from '../util/digest.js';

/** Directory names inside a policy folder that never hold policy source. */
const SKIPPED_DIRS = new Set(['build', 'node_modules', '.git']);

/** Policy sources of a folder (Rego without tests, data files), as sorted relative paths. */
export function listPolicySources(policyDir: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) walk(full);
      } else if (isPolicySource(entry.name)) {
        out.push(path.relative(policyDir, full).split(path.sep).join('/'));
      }
    }
  };
  walk(policyDir);
  return out.sort();
}

function isPolicySource(name: string): boolean {
  if (name.endsWith('_test.rego')) return false;
  return name.endsWith('.rego') || name === 'data.json' || name === 'data.yaml' || name === 'data.yml';
}

/**
 * A digest over everything a build reads: source paths and bytes, and the capabilities. Equal digests mean a
 * rebuild has nothing new to compile, which is how the committed bundle is checked without OPA.
 */
export function sourceDigest(policyDir: string, capabilities: Record<string, unknown>): string {
  const hash = createHash('sha256');
  for (const rel of listPolicySources(policyDir)) {
    hash.update(rel).update('\0').update(readFileSync(path.join(policyDir, rel))).update('\0');
  }
  hash.update(canonicalJson(capabilities));
  return hash.digest('hex');
}
