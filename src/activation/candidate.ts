import { loadPolicyData, validatePolicyData } from '../config/policy-data.js';
import { readBundle, readVerifiedBundle } from '../decision/bundle.js';
import type { BundleVerification } from '../decision/bundle-signature.js';
import { createDecider, type Decider } from '../decision/engine.js';
import { ENGINE_REASONS, OPERATIONS, type DecisionInput } from '../decision/types.js';
import { TaskguardError } from '../errors.js';

/** Where a policy comes from: a compiled bundle (folder or .tar.gz) and optionally a data file replacing its data. */
export interface PolicySource {
  /** Default: the bundled policies/build. */
  bundle?: string | undefined;
  data?: string | undefined;
  /** Configured keys mean a signature is required: an unsigned or tampered bundle is refused. */
  verification?: BundleVerification | undefined;
}

/**
 * Reads and checks a candidate policy without touching the one in force: the size cap and layout
 * (readBundleFiles), the signature when keys are configured, the manifest, the entrypoint, that the wasm
 * loads, that the data validates, and that a decision for every operation comes back well-formed. Whatever
 * fails throws a TaskguardError naming what; nothing is half-loaded.
 */
export async function loadCandidate(source: PolicySource): Promise<Decider> {
  const bundle = source.verification ? await readVerifiedBundle(source.bundle, source.verification) : readBundle(source.bundle);
  const data = source.data ? loadPolicyData(source.data) : validatePolicyData(bundle.data, `${bundle.dir}/data.json`);
  const decider = createDecider(bundle, { data });
  smokeTest(decider);
  return decider;
}

const ENGINE_FAILURES: ReadonlySet<string> = new Set(Object.values(ENGINE_REASONS));

/**
 * One decision per operation over a synthetic caller and task: the answer itself may be anything (a deny is
 * expected: the tool is unknown), but a policy that traps, answers nothing or answers in the wrong shape
 * would fail every request, so it never goes live.
 */
export function smokeTest(decider: Decider): void {
  const nowMs = Date.UTC(2026, 0, 1);
  const principal = { sub: 'smoke', tenant: 'smoke', client_id: 'smoke', scopes: [], roles: [], acr: '', auth_time_ms: 0 };
  for (const op of OPERATIONS) {
    const input: DecisionInput = {
      op, wire: '2025-11-25', now_ms: nowMs, principal, tool: { name: 'taskguard.smoke' }, request: { ttl_ms: null, tasks_declared: true },
      ...(op === 'create' || op === 'call' ? {} : {
        task: {
          id: 'smoke', status: 'working', tool: 'taskguard.smoke', owner: { sub: 'smoke', tenant: 'smoke', client_id: 'smoke' },
          scopes: [], created_ms: nowMs, expires_ms: nowMs + 60_000, results_read: 0,
        },
      }),
      ...(op === 'chain' ? { chain: { tool: 'taskguard.smoke', depth: 1 } } : {}),
    };
    const decision = decider.decide(input);
    const failure = decision.reasons.find((r) => ENGINE_FAILURES.has(r));
    if (failure !== undefined) {
      throw new TaskguardError('bundle_invalid', `policy fails its smoke decision for ${op}: ${failure}${decision.error ? ` (${decision.error})` : ''}`);
    }
  }
}
