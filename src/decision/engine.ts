import { loadPolicySync, type LoadedPolicy } from './opa-wasm.js';
import { createWasmEvaluator } from './wasm-eval.js';
import { deepFreeze } from '../util/freeze.js';
import { TaskguardError, describeError } from '../errors.js';
import { canonicalJson, sha256Hex } from '../util/digest.js';
import { DECISION_ENTRYPOINT, readBundle, readVerifiedBundle, type PolicyBundle } from './bundle.js';
import type { BundleVerification } from './bundle-signature.js';
import { failClosed, isRecord, parseDecision } from './parse.js';
import { ENGINE_REASONS, OPERATIONS, type Decision, type Operation } from './types.js';

/** Evaluates task decisions in-process. One per policy + data; safe to share, synchronous per call. */
export interface Decider {
  decide(input: unknown): Decision;
  /** sha256 of the policy wasm. */
  readonly revision: string;
  /** sha256 of the canonical JSON of the data in force. */
  readonly dataRevision: string;
  /** The data in force (frozen): hosts read tool settings and limits from the same document policies see. */
  readonly data: Readonly<Record<string, unknown>>;
  /** Every entrypoint the module exports: the decision's, and any others built beside it (decision-log rules). */
  readonly entrypoints: readonly string[];
  /** The key id whose signature the bundle passed, when it was read with signature verification. */
  readonly signedBy?: string;
  /**
   * A new instance of the same module and data, evaluating any of its entrypoints to the raw result set.
   * Decisions never run on it, so whatever it does (a trap, a runaway heap) cannot reach their instance.
   */
  spawnEvaluator(): (entrypoint: string, input: unknown) => unknown;
}

export interface DeciderOptions {
  /** Replaces the bundle's data.json (e.g. from the host's YAML config). */
  data?: unknown;
  /** Upper bound for the policy's linear memory, in 64 KiB pages: a runaway input fails closed, not the host. */
  maxMemoryPages?: number;
}

const INITIAL_MEMORY_PAGES = 8;
const DEFAULT_MAX_MEMORY_PAGES = 1024; // 64 MiB

/** Loads the compiled bundle (the committed default unless `bundleDir` is given). */
export function loadDecider(bundleDir?: string, options: DeciderOptions = {}): Decider {
  return createDecider(readBundle(bundleDir), options);
}

/**
 * loadDecider for a signed bundle: refuses it (nothing is loaded) unless its signature verifies under
 * `verification` and covers every file. Asynchronous because jose verifies asynchronously.
 */
export async function loadVerifiedDecider(bundleSource: string | undefined, verification: BundleVerification, options: DeciderOptions = {}): Promise<Decider> {
  return createDecider(await readVerifiedBundle(bundleSource, verification), options);
}

export function createDecider(bundle: PolicyBundle, options: DeciderOptions = {}): Decider {
  const data = options.data ?? bundle.data;
  if (!isRecord(data)) throw new TaskguardError('config_invalid', 'policy data must be an object');
  const memoryDescriptor = { initial: INITIAL_MEMORY_PAGES, maximum: options.maxMemoryPages ?? DEFAULT_MAX_MEMORY_PAGES };

  const instantiate = (): LoadedPolicy => {
    let policy: LoadedPolicy;
    try {
      policy = loadPolicySync(bundle.wasm, memoryDescriptor);
    } catch (err) {
      throw new TaskguardError('bundle_invalid', `policy.wasm in ${bundle.dir} does not load: ${describeError(err)}`, { cause: err });
    }
    // opa-wasm's own typings leave this loose; the entrypoint table maps names to ids.
    const entrypoints = policy.entrypoints as Record<string, number> | undefined;
    if (!entrypoints || !(DECISION_ENTRYPOINT in entrypoints)) {
      throw new TaskguardError('entrypoint_missing', `policy bundle has no ${DECISION_ENTRYPOINT} entrypoint`);
    }
    policy.setData(data);
    return policy;
  };

  const evaluatorFor = (policy: LoadedPolicy): ((input: unknown) => unknown) =>
    createWasmEvaluator(policy, (policy.entrypoints as Record<string, number>)[DECISION_ENTRYPOINT] as number);
  const first = instantiate();
  const entrypointIds = { ...(first.entrypoints as Record<string, number>) };
  let evaluate = evaluatorFor(first);

  const frozen = deepFreeze(structuredClone(data));
  return {
    data: frozen,
    revision: bundle.manifest.revision,
    ...(bundle.signature ? { signedBy: bundle.signature.keyId } : {}),
    dataRevision: sha256Hex(canonicalJson(data)),
    entrypoints: Object.freeze(Object.keys(entrypointIds)),
    spawnEvaluator() {
      const policy = instantiate();
      const evaluators = new Map<string, (input: unknown) => unknown>();
      return (entrypoint, input) => {
        let evaluator = evaluators.get(entrypoint);
        if (!evaluator) {
          const id = entrypointIds[entrypoint];
          if (id === undefined) throw new TaskguardError('entrypoint_missing', `policy bundle has no ${entrypoint} entrypoint`);
          evaluator = createWasmEvaluator(policy, id);
          evaluators.set(entrypoint, evaluator);
        }
        return evaluator(input);
      };
    },
    decide(input: unknown): Decision {
      if (!isRecord(input)) return failClosed(ENGINE_REASONS.inputInvalid, 'decision input is not an object');
      const op = OPERATIONS.includes(input['op'] as Operation) ? (input['op'] as Operation) : undefined;
      let resultSet: unknown;
      try {
        resultSet = evaluate(input);
      } catch (err) {
        // A trap can leave the instance's heap in any state: start the next call on a fresh one.
        try {
          evaluate = evaluatorFor(instantiate());
        } catch {
          // Keep the old instance; every later call that traps fails closed the same way.
        }
        return failClosed(ENGINE_REASONS.policyError, `policy evaluation failed: ${describeError(err)}`);
      }
      return parseDecision(resultSet, op);
    },
  };
}
