import { after, before, describe, it } from 'node:test';
import { fuzz } from './fuzz-loop.js';
import { compare } from './policy/compare.js';
import { startEngines, type Engines } from './policy/engines.js';
import { anyDecisionInput } from './policy/inputs.js';
import { fuzzSettings } from './settings.js';

/**
 * Differential fuzz of the policy: random decision inputs through the shipped wasm and through OPA itself
 * on the same Rego sources and data, which must agree on the whole decision document.
 */
const settings = fuzzSettings(300);

describe('fuzz: the compiled policy against OPA on its sources', () => {
  let engines: Engines;
  before(async () => {
    engines = await startEngines();
  });
  after(async () => {
    await engines.close();
  });

  it(`agrees with opa on ${settings.runs} random decision inputs (seed ${settings.seed})`, async () => {
    console.log(`policy fuzz: seed ${settings.seed}, ${settings.runs} inputs${settings.collect ? ', collecting every kind of finding' : ''} (TASKGUARD_FUZZ_SEED replays)`);
    await fuzz(settings, anyDecisionInput, (input) => compare(input, engines), 'decision inputs, by operation and decision');
  });
});
