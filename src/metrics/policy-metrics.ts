import { Counter, Gauge, type Registry } from 'prom-client';
import type { ActivationOutcome, ActivationTrigger } from '../activation/activator.js';
import type { Decider } from '../decision/engine.js';
import { ACTIVATION_RESULTS, ACTIVATION_TRIGGERS } from './labels.js';

/**
 * Policy activations and refused candidates, and which snapshot serves. taskguard_policy_info has exactly
 * one series, the active snapshot's: the old one is removed on each activation, so a join on it never
 * matches a policy no longer deciding. Counted per activation, not per poll (OPA's bundle counters move on
 * every status update), and a refusal's cause stays in the log and the audit record, not in a label.
 */
export class PolicyMetrics {
  readonly #activations: Counter<'trigger' | 'result'>;
  readonly #info: Gauge<'revision' | 'data_revision'>;
  readonly #lastActivation: Gauge;

  constructor(registry: Registry) {
    this.#activations = new Counter({
      name: 'taskguard_policy_activations_total', help: 'Policy candidates by what triggered them and what became of them (refused: the live policy kept serving).',
      labelNames: ['trigger', 'result'], registers: [registry],
    });
    for (const trigger of ACTIVATION_TRIGGERS) for (const result of ACTIVATION_RESULTS) this.#activations.inc({ trigger, result }, 0);
    this.#info = new Gauge({ name: 'taskguard_policy_info', help: 'The active policy snapshot: 1 for its revisions, no other series.', labelNames: ['revision', 'data_revision'], registers: [registry] });
    this.#lastActivation = new Gauge({ name: 'taskguard_policy_last_activation_timestamp_seconds', help: 'When the active policy snapshot went live (Unix time).', registers: [registry] });
  }

  /** The snapshot the host started with: its first activation. */
  started(decider: Decider): void {
    this.#activated(decider);
    this.#activations.inc({ trigger: 'start', result: 'activated' });
  }

  /** PolicyActivator's onOutcome. */
  readonly onOutcome = (outcome: ActivationOutcome, trigger: ActivationTrigger): void => {
    this.#activations.inc({ trigger, result: outcome.kind });
    if (outcome.kind === 'activated') this.#activated(outcome.decider);
  };

  #activated(decider: Decider): void {
    this.#info.reset();
    this.#info.set({ revision: decider.revision, data_revision: decider.dataRevision }, 1);
    this.#lastActivation.set(Date.now() / 1000);
  }
}
