import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { DECISION_ENTRYPOINT } from '../../src/decision/bundle.js';
import { loadDecider } from '../../src/decision/engine.js';
import { parseDecision } from '../../src/decision/parse.js';
import type { Decision } from '../../src/decision/types.js';
import { canonicalJson, sha256Hex } from '../../src/util/digest.js';
import { defaultPolicyDir } from '../../src/util/paths.js';
import { buildDecisionMix } from '../../bench/decision/mix.js';
import { readPolicyData } from '../../bench/decision/policy-data.js';
import { opa, tempDir } from '../support/temp-policy.js';

/**
 * Every decision over the decision bench's whole input mix (its default seed and pool: 10,000 inputs of
 * every operation, allowed and denied for every reason the mix sets up), reasons and obligations included.
 * The policy is written for the wasm's costs, so rewrites that keep behaviour are expected: this is what
 * says they kept it.
 */
const BENCH_SEED = 20_251_125;
const BENCH_POOL = 10_000;

/**
 * sha256 of the canonical JSON of the committed bundle's decisions over that mix, taken before the rules
 * were rewritten for cost (issue 11). A change to the policy, data.yaml or the mix that changes any
 * decision changes it: when that change is intended, replace it with the digest the failure prints.
 */
const MIX_DECISIONS_SHA256 = '1e398301240aea8fdb0142c630b5d10116faeafef19d10d246714636cffe7fbc';

const mix = buildDecisionMix(readPolicyData(path.join(defaultPolicyDir, 'data.yaml')), BENCH_POOL, BENCH_SEED);
const decider = loadDecider();
const decisions = mix.inputs.map((input) => decider.decide(input));

/** The same inputs through OPA's own evaluator on the Rego sources, in one `opa eval`. */
function opaDecisions(): Decision[] {
  const file = path.join(tempDir(), 'inputs.json');
  writeFileSync(file, JSON.stringify({ inputs: mix.inputs }));
  const query = `[d | some x in input.inputs; d := data.${DECISION_ENTRYPOINT.replaceAll('/', '.')} with input as x]`;
  const run = spawnSync(opa, ['eval', '--ignore', '*_test.rego', '--ignore', 'build', '-d', defaultPolicyDir, '-i', file, '--format', 'json', query], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.equal(run.status, 0, run.stderr);
  const raw = (JSON.parse(run.stdout) as { result: [{ expressions: [{ value: unknown[] }] }] }).result[0].expressions[0].value;
  assert.equal(raw.length, mix.inputs.length);
  // Through the engine's own parsing, so both sides are compared as the host would read them.
  return raw.map((result, i) => parseDecision([{ result }], mix.inputs[i]?.op));
}

describe('decisions over the bench mix', () => {
  it('are the ones recorded before the rules were rewritten for cost', () => {
    const digest = sha256Hex(canonicalJson(decisions));
    assert.equal(digest, MIX_DECISIONS_SHA256, `the committed bundle decides the bench mix differently (digest now ${digest})`);
  });

  it('are the same through the committed wasm and through opa on the sources, reasons and obligations included', () => {
    const expected = opaDecisions();
    const differing = decisions.flatMap((got, i) => (canonicalJson(got) === canonicalJson(expected[i]) ? [] : [i]));
    const first = differing[0];
    assert.equal(differing.length, 0, first === undefined ? '' : [
      `${differing.length} of ${decisions.length} differ; first #${first} (${mix.labels[first]}):`,
      `input: ${JSON.stringify(mix.inputs[first])}`,
      `wasm:  ${JSON.stringify(decisions[first])}`,
      `opa:   ${JSON.stringify(expected[first])}`,
    ].join('\n'));
  });

  it('cover every operation, allowed and denied', () => {
    for (const op of new Set(mix.inputs.map((input) => input.op))) {
      const ofOp = decisions.filter((_, i) => mix.inputs[i]?.op === op);
      assert.ok(ofOp.some((d) => d.allow) && ofOp.some((d) => !d.allow), `${op}: the mix should hold allows and denials`);
    }
  });
});
