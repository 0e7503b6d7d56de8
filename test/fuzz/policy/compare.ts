import { ENGINE_REASONS, OPERATIONS, type Decision, type Operation } from '../../../src/decision/types.js';
import { failClosed, isRecord, parseDecision } from '../../../src/decision/parse.js';
import { canonicalJson } from '../../../src/util/digest.js';
import type { Finding } from '../findings.js';
import type { Checked } from '../fuzz-loop.js';
import type { Engines, RawAnswer } from './engines.js';

/**
 * Asks the wasm and OPA about one input and compares, at two levels:
 *
 * 1. The raw decision documents, field for field: the compiled policy must be the Rego policy. This holds
 *    for every input, objects or not, and an evaluation error on one side must be one on the other. The one
 *    exclusion is an input of `null`: OPA's REST API reads `{"input": null}` as no input at all, which
 *    Rego evaluates differently (`not f(input)` is undefined there, not true), so the two engines would not
 *    be asked the same question. The engine refuses a null input unevaluated anyway (below).
 * 2. What the package hands a host (`Decider.decide`) against OPA's document put through the same parse
 *    (src/decision/parse.ts), so the fail-closed layer is checked too. Two exclusions, both because the
 *    engine answers before or instead of the policy, so OPA has nothing to compare with:
 *    - an input that is not an object is refused unevaluated as `input_invalid` (engine.ts); the answer
 *      must be exactly that;
 *    - when the wasm fails (a trap), the engine answers `policy_error` with the trap's text in `error`, and
 *      OPA's error text is its own: only the verdict (deny, policy_error) is compared.
 */
export async function compare(input: unknown, engines: Engines): Promise<Checked> {
  const wasm = engines.wasm(input);
  const opa = await engines.opa(input);
  const decision = engines.decider.decide(input);
  const op = opOf(input);
  const findings: Finding[] = [];
  const where = op ?? (isRecord(input) ? 'op not one of the eight' : 'input not an object');

  if (input === null) {
    // Not comparable at the document level; see above.
  } else if (wasm.ok !== opa.ok) {
    findings.push({ kind: 'one engine failed where the other decided', where, detail: `wasm ${show(wasm)}; opa ${show(opa)}` });
  } else if (wasm.ok && opa.ok && canonicalJson(wasm.document) !== canonicalJson(opa.document)) {
    findings.push({ kind: 'wasm and OPA decision documents differ', where, detail: `wasm ${show(wasm)}; opa ${show(opa)}` });
  }

  let expected: Decision;
  if (!isRecord(input)) expected = failClosed(ENGINE_REASONS.inputInvalid, 'decision input is not an object');
  else if (!wasm.ok) expected = { ...failClosed(ENGINE_REASONS.policyError, ''), error: decision.error ?? '' };
  else expected = parseDecision(opa.ok && opa.document !== undefined ? [{ result: opa.document }] : [], op);
  if (canonicalJson(decision) !== canonicalJson(expected)) {
    findings.push({ kind: 'the shipped decider and OPA disagree', where, detail: `decide() ${canonicalJson(decision)}; from opa ${canonicalJson(expected)}` });
  }
  // Rows: the operation, or what is wrong with it; columns: allow, deny, step_up_required, or how the engine failed closed.
  return { row: where, outcome: outcomeOf(decision), findings, printed: canonicalJson(input) };
}

function opOf(input: unknown): Operation | undefined {
  const op = isRecord(input) ? input['op'] : undefined;
  return OPERATIONS.includes(op as Operation) ? (op as Operation) : undefined;
}

function outcomeOf(d: Decision): string {
  if (d.allow) return 'allow';
  const engine = d.reasons.find((r) => (Object.values(ENGINE_REASONS) as string[]).includes(r));
  if (engine) return engine;
  return d.reasons.includes('step_up_required') ? 'step_up_required' : 'deny';
}

function show(answer: RawAnswer): string {
  return answer.ok ? canonicalJson(answer.document ?? null).slice(0, 400) : `error ${answer.error.slice(0, 200)}`;
}
