import { readFileSync } from 'node:fs';
import path from 'node:path';
import { TaskguardError } from '../errors.js';
import { sha256Hex } from '../util/digest.js';
import { defaultBundleDir } from '../util/paths.js';
import { isRecord } from './parse.js';

export const DECISION_ENTRYPOINT = 'taskguard/tasks/decision';

/** What `taskguard build` writes beside policy.wasm; lets a loader and a staleness check know what it holds. */
export interface BundleManifest {
  entrypoint: string;
  opa_version: string;
  /** sha256 of policy.wasm: the policy revision recorded with every decision. */
  revision: string;
  /** sha256 of data.json. */
  data_revision: string;
  /** sha256 over the Rego sources, data and capabilities the bundle was built from. */
  source_digest: string;
  /** The runtime whose builtin list the build was checked against. */
  capabilities: string;
}

export interface PolicyBundle {
  dir: string;
  wasm: Uint8Array;
  data: unknown;
  manifest: BundleManifest;
}

export const BUNDLE_FILES = { wasm: 'policy.wasm', data: 'data.json', manifest: 'manifest.json' } as const;

/** Reads a compiled bundle directory and checks its files agree with its manifest. */
export function readBundle(dir: string = defaultBundleDir): PolicyBundle {
  const wasm = readOrThrow(path.join(dir, BUNDLE_FILES.wasm), dir);
  const dataText = readOrThrow(path.join(dir, BUNDLE_FILES.data), dir).toString();
  const manifestText = readOrThrow(path.join(dir, BUNDLE_FILES.manifest), dir).toString();
  const manifest = parseManifest(manifestText, dir);
  if (sha256Hex(wasm) !== manifest.revision) {
    throw new TaskguardError('bundle_invalid', `policy.wasm in ${dir} does not match its manifest revision`);
  }
  if (sha256Hex(dataText) !== manifest.data_revision) {
    throw new TaskguardError('bundle_invalid', `data.json in ${dir} does not match its manifest data_revision`);
  }
  let data: unknown;
  try {
    data = JSON.parse(dataText);
  } catch (err) {
    throw new TaskguardError('bundle_invalid', `data.json in ${dir} is not json`, { cause: err });
  }
  return { dir, wasm, data, manifest };
}

function readOrThrow(file: string, dir: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new TaskguardError('bundle_missing', `cannot read ${path.basename(file)} in ${dir}; run taskguard build`, { cause: err });
  }
}

function parseManifest(text: string, dir: string): BundleManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new TaskguardError('bundle_invalid', `manifest.json in ${dir} is not json`, { cause: err });
  }
  const keys = ['entrypoint', 'opa_version', 'revision', 'data_revision', 'source_digest', 'capabilities'] as const;
  if (!isRecord(raw) || !keys.every((k) => typeof raw[k] === 'string')) {
    throw new TaskguardError('bundle_invalid', `manifest.json in ${dir} lacks ${keys.join(', ')}`);
  }
  return Object.fromEntries(keys.map((k) => [k, raw[k] as string])) as unknown as BundleManifest;
}
