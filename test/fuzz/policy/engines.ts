import { DECISION_ENTRYPOINT, readBundle } from '../../../src/decision/bundle.js';
import { loadDecider, type Decider } from '../../../src/decision/engine.js';
import { loadPolicySync } from '../../../src/decision/opa-wasm.js';
import { createWasmEvaluator } from '../../../src/decision/wasm-eval.js';
import { runtimeCapabilities } from '../../../src/policy/capabilities.js';
import { resolveOpa } from '../../../src/policy/opa.js';
import { sourceDigest } from '../../../src/policy/sources.js';
import { defaultBundleDir, defaultPolicyDir } from '../../../src/util/paths.js';
import { createJsonClient } from '../../../bench/lib/http-json.js';
import { startOpaServer } from '../../../bench/lib/opa-server.js';

/** What one engine said: the decision document (undefined when the rule was undefined), or that it failed. */
export type RawAnswer = { ok: true; document: unknown } | { ok: false; error: string };

export interface Engines {
  /** The shipped path: loadDecider() on the committed bundle, parse and fail-closed layer included. */
  decider: Decider;
  /** The same committed policy.wasm through the shipped evaluator, before any parsing: the raw document. */
  wasm(input: unknown): RawAnswer;
  /** OPA itself, `opa run --server` on the Rego sources and data.yaml the bundle was built from. */
  opa(input: unknown): Promise<RawAnswer>;
  opaVersion: string;
  close(): Promise<void>;
}

const OPA_DECISION_PATH = `/v1/data/${DECISION_ENTRYPOINT}`;

export async function startEngines(): Promise<Engines> {
  const bundle = readBundle(defaultBundleDir);
  // Comparing the wasm with OPA on the sources only means something when the wasm was built from them.
  if (bundle.manifest.source_digest !== sourceDigest(defaultPolicyDir, runtimeCapabilities().document)) {
    throw new Error('policies/build is older than the sources in policies/: run `npm run build` first');
  }
  const instantiate = (): ((input: unknown) => unknown) => {
    const policy = loadPolicySync(bundle.wasm, { initial: 8, maximum: 1024 });
    policy.setData(bundle.data as object);
    return createWasmEvaluator(policy, (policy.entrypoints as Record<string, number>)[DECISION_ENTRYPOINT] as number);
  };
  let evaluate = instantiate();

  const opaBin = resolveOpa();
  // The folder as `taskguard build` compiles it: same files, same data paths, without tests and the bundle.
  const server = await startOpaServer({ opa: opaBin, paths: [defaultPolicyDir], ignore: ['*_test.rego', 'build'] });
  const client = createJsonClient(server.baseUrl);
  return {
    decider: loadDecider(),
    opaVersion: bundle.manifest.opa_version,
    wasm(input) {
      try {
        const resultSet = evaluate(input);
        const first: unknown = Array.isArray(resultSet) ? resultSet[0] : undefined;
        return { ok: true, document: typeof first === 'object' && first !== null ? (first as { result?: unknown }).result : undefined };
      } catch (err) {
        // As the engine does: a trap may leave the heap in any state, so the next input gets a fresh instance.
        evaluate = instantiate();
        return { ok: false, error: err instanceof Error ? err.message : String(err) };
      }
    },
    async opa(input) {
      try {
        const answer = await client.post(OPA_DECISION_PATH, { input });
        return { ok: true, document: typeof answer === 'object' && answer !== null ? (answer as { result?: unknown }).result : undefined };
      } catch (err) {
        return { ok: false, error: err instanceof Error ? err.message : String(err) };
      }
    },
    async close() {
      client.close();
      await server.stop();
    },
  };
}
