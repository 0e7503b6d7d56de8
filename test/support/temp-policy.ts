import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { buildBundle } from '../../src/policy/build.js';
import { readBundle, type PolicyBundle } from '../../src/decision/bundle.js';
import { resolveOpa } from '../../src/policy/opa.js';

const opa = resolveOpa();
const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temp folder, removed when the test file ends. */
export function tempDir(prefix = 'taskguard-test-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** Writes `files` into a temp policy folder and builds it with the real OPA; returns the folder. */
export function writePolicy(files: Record<string, string>): string {
  const dir = tempDir('taskguard-policy-');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

export function buildTempBundle(files: Record<string, string>): PolicyBundle {
  const policyDir = writePolicy(files);
  const outDir = path.join(policyDir, 'build');
  buildBundle({ policyDir, outDir, opa });
  return readBundle(outDir);
}

export { opa };
