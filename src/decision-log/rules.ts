import { LOG_ENTRYPOINTS } from '../decision/bundle.js';
import type { Decider } from '../decision/engine.js';
import type { EventV1 } from './event.js';
import { parseDropResult, parseMaskResult, type MaskRule } from './mask.js';

/**
 * A policy's `taskguard.log` rules (OPA's `system.log.drop` and `system.log.mask`), evaluated with the whole
 * event as input, as OPA evaluates them: the decision input is at `input.input`. They run on an instance of
 * their own (Decider.spawnEvaluator; measured no slower per event than the decision's instance, see
 * docs/DECISION-LOGS.md), so a rule that traps never touches the instance decisions run on. A trap throws;
 * the instance is replaced on the next event.
 */
export class LogRules {
  readonly hasDrop: boolean;
  readonly hasMask: boolean;
  readonly #decider: Decider;
  #evaluate: ((entrypoint: string, input: unknown) => unknown) | undefined;

  constructor(decider: Decider) {
    this.#decider = decider;
    this.hasDrop = decider.entrypoints.includes(LOG_ENTRYPOINTS.drop);
    this.hasMask = decider.entrypoints.includes(LOG_ENTRYPOINTS.mask);
  }

  drops(event: EventV1): boolean {
    return this.hasDrop && parseDropResult(this.#run(LOG_ENTRYPOINTS.drop, event));
  }

  masks(event: EventV1): MaskRule[] {
    return this.hasMask ? parseMaskResult(this.#run(LOG_ENTRYPOINTS.mask, event)) : [];
  }

  #run(entrypoint: string, event: EventV1): unknown {
    try {
      this.#evaluate ??= this.#decider.spawnEvaluator();
      return this.#evaluate(entrypoint, event);
    } catch (err) {
      this.#evaluate = undefined;
      throw err;
    }
  }
}

/** One LogRules per policy snapshot, made on its first event and gone with the snapshot. */
export function logRulesCache(): (decider: Decider) => LogRules {
  const cache = new WeakMap<Decider, LogRules>();
  return (decider) => {
    let rules = cache.get(decider);
    if (!rules) {
      rules = new LogRules(decider);
      cache.set(decider, rules);
    }
    return rules;
  };
}
