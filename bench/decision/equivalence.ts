import type { Decider } from '../../src/decision/engine.js';
import type { Decision, DecisionInput } from '../../src/decision/types.js';
import type { JsonClient } from '../lib/http-json.js';
import { opaDecision } from './opa-rest.js';
import type { DecisionMix } from './mix.js';

export interface Mismatch {
  index: number;
  label: string;
  input: DecisionInput;
  taskguard: Decision;
  opa: unknown;
}

export interface EquivalenceResult {
  checked: number;
  /** First input whose `allow` differs: the benchmark would be comparing two different policies. */
  allowMismatch?: Mismatch;
  /** Inputs where both sides agree on allow but give different reasons: worth a look, not fatal. */
  reasonMismatches: number;
  firstReasonMismatch?: Mismatch;
}

/** Asks both engines about the first `count` inputs of the mix and compares their answers. */
export async function checkEquivalence(decider: Decider, client: JsonClient, path: string, mix: DecisionMix, count: number): Promise<EquivalenceResult> {
  const result: EquivalenceResult = { checked: 0, reasonMismatches: 0 };
  const n = Math.min(count, mix.inputs.length);
  for (let i = 0; i < n; i++) {
    const input = mix.inputs[i] as DecisionInput;
    const taskguard = decider.decide(input);
    const opa = await opaDecision(client, path, input);
    result.checked++;
    const mismatch = (): Mismatch => ({ index: i, label: mix.labels[i] ?? '?', input, taskguard, opa });
    // The REST answer has no fail-closed layer in front of it: only a literal true allows, as in the engine.
    const opaAllow = typeof opa === 'object' && opa !== null && (opa as { allow?: unknown }).allow === true;
    if (opaAllow !== taskguard.allow) {
      result.allowMismatch = mismatch();
      return result;
    }
    const opaReasons = typeof opa === 'object' && opa !== null ? (opa as { reasons?: unknown }).reasons : undefined;
    if (JSON.stringify(opaReasons ?? []) !== JSON.stringify(taskguard.reasons)) {
      result.reasonMismatches++;
      result.firstReasonMismatch ??= mismatch();
    }
  }
  return result;
}
