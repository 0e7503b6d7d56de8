import path from 'node:path';
import { TaskguardError } from '../errors.js';
import { sha256Hex } from '../util/digest.js';
import { defaultBundleDir } from '../util/paths.js';
import { readBundleFiles, type BundleFiles } from './bundle-files.js';
import { BUNDLE_FILES, OPA_BUNDLE_FILES } from './bundle-names.js';
import { verifyBundleSignature, type BundleSignature, type BundleVerification } from './bundle-signature.js';
import { opaCanonicalJson } from './opa-json.js';
import { isRecord } from './parse.js';

export { BUNDLE_FILES, OPA_BUNDLE_FILES } from './bundle-names.js';

export const DECISION_ENTRYPOINT = 'taskguard/tasks/decision';

/**
 * Decision-log rules, OPA's `system.log.mask` and `system.log.drop` under taskguard's own package: rules
 * `mask` and `drop` in `package taskguard.log`, compiled beside the decision when the sources define them.
 */
export const LOG_ENTRYPOINTS = { mask: 'taskguard/log/mask', drop: 'taskguard/log/drop' } as const;

/**
 * What `taskguard build` writes beside policy.wasm; lets a loader and a staleness check know what it holds.
 * For a bundle taskguard did not build (`opa build -b`), the loader derives `revision` and `data_revision`
 * the same way and leaves `opa_version`, `source_digest` and `capabilities` empty.
 */
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
  /** Set when the bundle was read with readVerifiedBundle: which key and scope its signature passed. */
  signature?: BundleSignature;
}

/**
 * Reads a compiled bundle (a folder or a .tar.gz) and checks its files agree with its manifest. A
 * `.signatures.json` in it is not checked here: that takes keys, see readVerifiedBundle.
 */
export function readBundle(source: string = defaultBundleDir): PolicyBundle {
  return parseBundle(readBundleFiles(source), source);
}

/**
 * Reads a bundle and refuses it unless it carries an OPA bundle signature that `verification` accepts and
 * that lists every one of its files with a matching hash. Nothing is loaded from a bundle that fails.
 */
export async function readVerifiedBundle(source: string | undefined, verification: BundleVerification): Promise<PolicyBundle> {
  const dir = source ?? defaultBundleDir;
  const files = readBundleFiles(dir);
  const signature = await verifyBundleSignature(files, verification, dir);
  return { ...parseBundle(files, dir), signature };
}

function parseBundle(files: BundleFiles, dir: string): PolicyBundle {
  checkLayout(files, dir);
  const wasm = required(files, BUNDLE_FILES.wasm, dir);
  const dataBytes = required(files, BUNDLE_FILES.data, dir);
  const data = parseJson(dataBytes, BUNDLE_FILES.data, dir);
  const opaManifest = files.get(OPA_BUNDLE_FILES.manifest);
  if (opaManifest) checkOpaManifest(parseJson(opaManifest, OPA_BUNDLE_FILES.manifest, dir), dir);
  const ownManifest = files.get(BUNDLE_FILES.manifest);
  if (!ownManifest) {
    const manifest: BundleManifest = {
      entrypoint: DECISION_ENTRYPOINT, opa_version: '', revision: sha256Hex(wasm), data_revision: sha256Hex(dataBytes), source_digest: '', capabilities: '',
    };
    return { dir, wasm, data, manifest };
  }
  const manifest = parseManifest(ownManifest, dir);
  if (sha256Hex(wasm) !== manifest.revision) {
    throw new TaskguardError('bundle_invalid', `policy.wasm in ${dir} does not match its manifest revision`);
  }
  if (sha256Hex(dataBytes) !== manifest.data_revision) {
    throw new TaskguardError('bundle_invalid', `data.json in ${dir} does not match its manifest data_revision`);
  }
  return { dir, wasm, data, manifest };
}

/**
 * taskguard evaluates one wasm module against one data document. An OPA bundle may spread data over nested
 * data.json / data.yaml files, carry several wasm modules, or be a delta: each would mean loading something
 * other than what the bundle says, so each is refused by name.
 */
function checkLayout(files: BundleFiles, dir: string): void {
  for (const name of files.keys()) {
    const base = path.posix.basename(name);
    if (base === 'patch.json') throw new TaskguardError('bundle_invalid', `${name} in ${dir}: delta bundles are not supported`);
    const data = base === BUNDLE_FILES.data || base === 'data.yaml' || base === 'data.yml';
    if ((data || name.endsWith('.wasm')) && name !== BUNDLE_FILES.data && name !== BUNDLE_FILES.wasm) {
      throw new TaskguardError('bundle_invalid', `${name} in ${dir}: a bundle holds one top-level policy.wasm and one data.json`);
    }
  }
}

/** `.manifest` names the wasm entrypoints; if it names any, the decision must be one of them. */
function checkOpaManifest(manifest: unknown, dir: string): void {
  if (!isRecord(manifest)) throw new TaskguardError('bundle_invalid', `.manifest in ${dir} is not a json object`);
  const wasm = manifest['wasm'];
  if (wasm === undefined) return;
  const resolvers = Array.isArray(wasm) ? wasm.filter(isRecord) : [];
  if (!Array.isArray(wasm) || resolvers.length !== wasm.length || resolvers.some((r) => String(r['module']).replace(/^\//, '') !== BUNDLE_FILES.wasm)) {
    throw new TaskguardError('bundle_invalid', `.manifest in ${dir}: wasm must list entrypoints of /policy.wasm only`);
  }
  if (resolvers.length > 0 && !resolvers.some((r) => r['entrypoint'] === DECISION_ENTRYPOINT)) {
    throw new TaskguardError('entrypoint_missing', `.manifest in ${dir} does not list the ${DECISION_ENTRYPOINT} entrypoint`);
  }
}

function required(files: BundleFiles, name: string, dir: string): Buffer {
  const bytes = files.get(name);
  if (!bytes) throw new TaskguardError('bundle_missing', `cannot read ${name} in ${dir}; run taskguard build`);
  return bytes;
}

/** Through OPA's canonical form, so duplicate keys and invalid UTF-8 are refused here exactly as when hashing. */
function parseJson(bytes: Uint8Array, name: string, dir: string): unknown {
  return JSON.parse(opaCanonicalJson(bytes, `${name} in ${dir}`));
}

function parseManifest(bytes: Buffer, dir: string): BundleManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new TaskguardError('bundle_invalid', `manifest.json in ${dir} is not json`, { cause: err });
  }
  const keys = ['entrypoint', 'opa_version', 'revision', 'data_revision', 'source_digest', 'capabilities'] as const;
  if (!isRecord(raw) || !keys.every((k) => typeof raw[k] === 'string')) {
    throw new TaskguardError('bundle_invalid', `manifest.json in ${dir} lacks ${keys.join(', ')}`);
  }
  return Object.fromEntries(keys.map((k) => [k, raw[k] as string])) as unknown as BundleManifest;
}
