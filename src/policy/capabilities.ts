import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { TaskguardError } from '../errors.js';
import { isRecord } from '../decision/parse.js';

export interface Capabilities {
  /** Where they came from, recorded in the bundle manifest. */
  label: string;
  document: Record<string, unknown>;
}

/**
 * The builtins the shipped runtime (@open-policy-agent/opa-wasm) can evaluate, as that package lists them,
 * plus the parser feature OPA 1.x needs for v1 syntax. Building against this list makes a policy that uses
 * an unsupported builtin fail `taskguard build` instead of failing a request at run time.
 */
export function runtimeCapabilities(): Capabilities {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('@open-policy-agent/opa-wasm');
  const pkgDir = path.resolve(path.dirname(entry), '..');
  const version = (JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as { version: string }).version;
  const document = JSON.parse(readFileSync(path.join(pkgDir, 'capabilities.json'), 'utf8')) as unknown;
  if (!isRecord(document) || !Array.isArray(document['builtins'])) {
    throw new TaskguardError('build_failed', 'opa-wasm capabilities.json has no builtins list');
  }
  return { label: `@open-policy-agent/opa-wasm@${version}`, document: withV1Syntax(document) };
}

/** A user-supplied capabilities file (`--capabilities`). */
export function fileCapabilities(file: string): Capabilities {
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new TaskguardError('usage', `cannot read capabilities file ${file}`, { cause: err });
  }
  if (!isRecord(document)) throw new TaskguardError('usage', `capabilities file ${file} is not a json object`);
  return { label: path.basename(file), document: withV1Syntax(document) };
}

function withV1Syntax(document: Record<string, unknown>): Record<string, unknown> {
  const features = Array.isArray(document['features']) ? (document['features'] as unknown[]) : [];
  return { ...document, features: [...new Set([...features, 'rego_v1'])] };
}
