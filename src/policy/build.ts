import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BUNDLE_FILES, DECISION_ENTRYPOINT, OPA_BUNDLE_FILES, type BundleManifest } from '../decision/bundle.js';
import type { SigningAlgorithm } from '../decision/bundle-keys.js';
import { TaskguardError } from '../errors.js';
import { canonicalJson, sha256Hex } from '../util/digest.js';
import { runtimeCapabilities, type Capabilities } from './capabilities.js';
import { logEntrypoints } from './log-rules.js';
import { opaVersion, resolveOpa } from './opa.js';
import { listPolicySources, sourceDigest } from './sources.js';
import { signBundleFiles, type SignedBundle, type SigningOptions } from './sign.js';
import { readTarGz, writeTarGz } from './tar.js';

export interface BuildOptions {
  policyDir: string;
  outDir: string;
  capabilities?: Capabilities;
  opa?: string;
  /** Also write the bundle as one OPA bundle archive (.tar.gz), for `opa` or a bundle service. */
  archive?: string;
  /** Progress lines, one per step. */
  log?: (line: string) => void;
}

export interface BuildResult {
  manifest: BundleManifest;
  outDir: string;
  /** With signing: the algorithm and key id of `.signatures.json`. */
  signature?: { algorithm: SigningAlgorithm; keyId?: string };
}

interface CompiledBundle {
  manifest: BundleManifest;
  /** Every file of the output folder but `.signatures.json`, by name. */
  files: Map<string, Buffer>;
}

/**
 * Compiles the Rego and data in `policyDir` to a wasm bundle in `outDir`: policy.wasm, data.json and
 * manifest.json, plus OPA's `.manifest`, so the folder is an OPA bundle as well. Each file is written beside
 * its target and renamed into place, so a failed build leaves the previous bundle as it was. A stale
 * `.signatures.json` from an earlier signed build is removed first: it could only fail verification.
 */
export function buildBundle(options: BuildOptions): BuildResult {
  return writeBundle(options, compileBundle(options));
}

/** buildBundle, then OPA's `.signatures.json` over every file, computed before anything is written. */
export async function buildSignedBundle(options: BuildOptions & { signing: SigningOptions }): Promise<BuildResult> {
  const compiled = compileBundle(options);
  const signed = await signBundleFiles(compiled.files, options.signing);
  (options.log ?? (() => {}))(`signed ${compiled.files.size} files with ${signed.algorithm}${signed.keyId ? `, key id ${signed.keyId}` : ''}`);
  return writeBundle(options, compiled, signed);
}

function compileBundle(options: BuildOptions): CompiledBundle {
  const log = options.log ?? (() => {});
  const sources = listPolicySources(options.policyDir);
  if (!sources.some((s) => s.endsWith('.rego'))) {
    throw new TaskguardError('build_failed', `no rego files in ${options.policyDir}`);
  }
  const capabilities = options.capabilities ?? runtimeCapabilities();
  const opa = options.opa ?? resolveOpa();
  const version = opaVersion(opa);
  log(`building ${sources.length} source files from ${options.policyDir} with opa ${version}, capabilities ${capabilities.label}`);

  const work = mkdtempSync(path.join(tmpdir(), 'taskguard-build-'));
  try {
    const capsFile = path.join(work, 'capabilities.json');
    writeFileSync(capsFile, JSON.stringify(capabilities.document));
    const archive = path.join(work, 'bundle.tar.gz');
    const entrypoints = [DECISION_ENTRYPOINT, ...logEntrypoints(options.policyDir, sources, opa)];
    if (entrypoints.length > 1) log(`decision-log rules: ${entrypoints.slice(1).join(', ')}`);
    const args = ['build', '-t', 'wasm', ...entrypoints.flatMap((e) => ['-e', e]), '--capabilities', capsFile,
      '--ignore', '*_test.rego', '--ignore', 'build', '-o', archive, '.'];
    // Run inside the policy folder: OPA embeds source paths in the wasm, and relative ones keep the bytes
    // identical wherever the checkout lives (the committed bundle is compared byte for byte).
    const run = spawnSync(opa, args, { encoding: 'utf8', cwd: options.policyDir });
    if (run.status !== 0) {
      const detail = `${run.stderr}${run.stdout}`.trim().split('\n').slice(0, 20).join(' | ');
      throw new TaskguardError('build_failed', `opa build failed: ${detail}`);
    }
    const files = readTarGz(readFileSync(archive));
    const wasm = files.get('policy.wasm');
    if (!wasm) throw new TaskguardError('build_failed', 'opa build produced no policy.wasm');
    // Canonical, readable data: sorted keys, so a reordered YAML file does not change the bundle.
    const dataJson = `${JSON.stringify(JSON.parse(canonicalJson(parseJson(files.get('data.json')))), null, 2)}\n`;

    const manifest: BundleManifest = {
      entrypoint: DECISION_ENTRYPOINT,
      opa_version: version,
      revision: sha256Hex(wasm),
      data_revision: sha256Hex(dataJson),
      source_digest: sourceDigest(options.policyDir, capabilities.document),
      capabilities: capabilities.label,
    };
    // OPA's own manifest: the revision label, the whole data tree as this bundle's root, the entrypoints.
    const opaManifest = { revision: manifest.revision, roots: [''], wasm: entrypoints.map((entrypoint) => ({ entrypoint, module: `/${BUNDLE_FILES.wasm}` })), rego_version: 1 };
    return {
      manifest,
      files: new Map([
        [BUNDLE_FILES.wasm, wasm],
        [BUNDLE_FILES.data, Buffer.from(dataJson)],
        [BUNDLE_FILES.manifest, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`)],
        [OPA_BUNDLE_FILES.manifest, Buffer.from(`${JSON.stringify(opaManifest)}\n`)],
      ]),
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function writeBundle(options: BuildOptions, compiled: CompiledBundle, signed?: SignedBundle): BuildResult {
  const log = options.log ?? (() => {});
  const files = new Map(compiled.files);
  // Signatures last: a reader between two renames sees new files under an old signature and refuses them.
  if (signed) files.set(OPA_BUNDLE_FILES.signatures, Buffer.from(signed.text));
  mkdirSync(options.outDir, { recursive: true });
  if (!signed) rmSync(path.join(options.outDir, OPA_BUNDLE_FILES.signatures), { force: true });
  for (const [name, bytes] of files) replaceFile(path.join(options.outDir, name), bytes);
  log(`wrote ${options.outDir}: revision ${compiled.manifest.revision.slice(0, 12)}, ${compiled.files.get(BUNDLE_FILES.wasm)?.length ?? 0} bytes of wasm`);
  if (options.archive) {
    replaceFile(options.archive, writeTarGz(files));
    log(`wrote ${options.archive}`);
  }
  return {
    manifest: compiled.manifest,
    outDir: options.outDir,
    ...(signed ? { signature: { algorithm: signed.algorithm, ...(signed.keyId !== undefined ? { keyId: signed.keyId } : {}) } } : {}),
  };
}

/** Written next to the target (tmpdir may be another filesystem), then renamed over it atomically. */
function replaceFile(file: string, bytes: Uint8Array): void {
  const next = path.join(path.dirname(file), `.${path.basename(file)}.next`);
  writeFileSync(next, bytes);
  renameSync(next, file);
}

function parseJson(bytes: Buffer | undefined): unknown {
  if (!bytes) return {};
  return JSON.parse(bytes.toString('utf8'));
}
