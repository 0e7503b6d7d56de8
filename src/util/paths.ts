import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The package root, whether running from src/ (tsx) or dist/ (compiled): both sit one level below it. */
export const packageRoot: string = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export const defaultPolicyDir: string = path.join(packageRoot, 'policies');
export const defaultBundleDir: string = path.join(defaultPolicyDir, 'build');
export const defaultFixturesDir: string = path.join(packageRoot, 'fixtures');
