import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BUNDLE_FILES, DECISION_ENTRYPOINT, type BundleManifest } from '../decision/bundle.js';
import { TaskguardError } from '../errors.js';
import { canonicalJson, sha256Hex } from '../util/digest.js';
import { runtimeCapabilities, type Capabilities } from './capabilities.js';
import { opaVersion, resolveOpa } from './opa.js';
import { listPolicySources, sourceDigest } from './sources.js';
import { readTarGz } from './tar.js';

export interface BuildOptions {
  policyDir: string;
  outDir: string;
  capabilities?: Capabilities;
  opa?: string;
  /** Progress lines, one per step. */
  log?: (line: string) => void;
}

export interface BuildResult {
  manifest: BundleManifest;
  outDir: string;
}

/**
 * Compiles the Rego and data in `policyDir` to a wasm bundle in `outDir`: policy.wasm, data.json and
 * manifest.json. Files are written to a temporary folder first and renamed into place, so a failed build
 * leaves the previous bundle as it was.
 */
export function buildBundle(options: BuildOptions): BuildResult {
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
    const args = ['build', '-t', 'wasm', '-e', DECISION_ENTRYPOINT, '--capabilities', capsFile,
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
    const staged = path.join(work, 'out');
    mkdirSync(staged);
    writeFileSync(path.join(staged, BUNDLE_FILES.wasm), wasm);
    writeFileSync(path.join(staged, BUNDLE_FILES.data), dataJson);
    writeFileSync(path.join(staged, BUNDLE_FILES.manifest), `${JSON.stringify(manifest, null, 2)}\n`);
    mkdirSync(options.outDir, { recursive: true });
    for (const name of Object.values(BUNDLE_FILES)) {
      // Same filesystem is not guaranteed for tmpdir: copy next to the target, then rename atomically.
      const next = path.join(options.outDir, `.${name}.next`);
      writeFileSync(next, readFileSync(path.join(staged, name)));
      renameSync(next, path.join(options.outDir, name));
    }
    log(`wrote ${options.outDir}: revision ${manifest.revision.slice(0, 12)}, ${wasm.length} bytes of wasm`);
    return { manifest, outDir: options.outDir };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function parseJson(bytes: Buffer | undefined): unknown {
  if (!bytes) return {};
  return JSON.parse(bytes.toString('utf8'));
}
