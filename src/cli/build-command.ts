import { parseArgs } from 'node:util';
import path from 'node:path';
import { loadPolicyData } from '../config/policy-data.js';
import { isSigningAlgorithm, SIGNING_ALGORITHMS } from '../decision/bundle-keys.js';
import { TaskguardError } from '../errors.js';
import { fileCapabilities } from '../policy/capabilities.js';
import { buildBundle, buildSignedBundle, type BuildOptions } from '../policy/build.js';
import type { SigningOptions } from '../policy/sign.js';
import { defaultPolicyDir } from '../util/paths.js';
import { existsSync } from 'node:fs';
import type { CommandHelp } from './help.js';
import type { CliIo } from './io.js';

export const buildUsage = 'taskguard build [--policies DIR] [--out DIR] [--capabilities FILE] [--archive FILE] [--sign KEY [--signing-alg ALG] [--key-id KID] [--scope S] [--claims-file F]]';

export const buildHelp: CommandHelp = {
  usage: buildUsage,
  summary: 'compile policies/ (Rego + data) to a wasm bundle, optionally signed as OPA signs bundles',
  options: [
    ['--policies DIR', 'the Rego and data to compile (default: the bundled policies/)'],
    ['--out DIR', 'where the bundle is written (default: DIR/build)'],
    ['--capabilities FILE', 'OPA capabilities to build against (default: the builtins the shipped wasm runtime has)'],
    ['--archive FILE', 'also write the bundle as an OPA bundle archive (.tar.gz) for opa or a bundle service'],
    ['--sign KEY', 'write OPA\'s .signatures.json, signed with this PEM private key (RSA, EC) or HMAC secret file'],
    ['--signing-alg ALG', `${SIGNING_ALGORITHMS.join(', ')} (default: RS256 for RSA, ES256/384/512 by EC curve; required for HMAC)`],
    ['--key-id KID', 'the signature\'s kid, which verifiers choose their key by (default: default; none with --claims-file)'],
    ['--scope S', 'the scope claim a verifier configured with a scope requires'],
    ['--claims-file F', 'further claims (a JSON object, e.g. {"iss": "ci"}) for the signature, as opa build --claims-file'],
  ],
};

/** Compiles Rego + data to a wasm bundle; validates the data first so a typo fails here, not in a decision. */
export async function buildCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      policies: { type: 'string' }, out: { type: 'string' }, capabilities: { type: 'string' }, archive: { type: 'string' },
      sign: { type: 'string' }, 'signing-alg': { type: 'string' }, 'key-id': { type: 'string' }, scope: { type: 'string' }, 'claims-file': { type: 'string' },
    },
    strict: true,
  });
  const policyDir = path.resolve(values.policies ?? defaultPolicyDir);
  const outDir = path.resolve(values.out ?? path.join(policyDir, 'build'));
  for (const name of ['data.yaml', 'data.yml', 'data.json']) {
    const file = path.join(policyDir, name);
    if (existsSync(file)) loadPolicyData(file);
  }
  const options: BuildOptions = {
    policyDir,
    outDir,
    log: (line) => io.err(line),
    ...(values.capabilities ? { capabilities: fileCapabilities(values.capabilities) } : {}),
    ...(values.archive ? { archive: path.resolve(values.archive) } : {}),
  };
  const signing = signingOptions(values);
  const result = signing ? await buildSignedBundle({ ...options, signing }) : buildBundle(options);
  io.out(JSON.stringify(result.manifest, null, 2));
  return 0;
}

function signingOptions(values: Record<string, string | undefined>): SigningOptions | undefined {
  const alg = values['signing-alg'];
  if (!values['sign']) {
    const stray = ['signing-alg', 'key-id', 'scope', 'claims-file'].find((flag) => values[flag] !== undefined);
    if (stray) throw new TaskguardError('usage', `--${stray} needs --sign KEY`);
    return undefined;
  }
  if (alg !== undefined && !isSigningAlgorithm(alg)) throw new TaskguardError('usage', `--signing-alg must be one of ${SIGNING_ALGORITHMS.join(', ')}`);
  return {
    keyFile: path.resolve(values['sign']),
    ...(alg !== undefined ? { algorithm: alg } : {}),
    ...(values['key-id'] !== undefined ? { keyId: values['key-id'] } : {}),
    ...(values['scope'] !== undefined ? { scope: values['scope'] } : {}),
    ...(values['claims-file'] !== undefined ? { claimsFile: path.resolve(values['claims-file']) } : {}),
  };
}
