import type { AuditEntry, PolicyEvent } from '../audit/record.js';
import type { Decider } from '../decision/engine.js';
import type { SwappablePolicy } from '../decision/policy-handle.js';
import { describeError } from '../errors.js';

/** What set off an activation: the host starting, a changed file, SIGHUP, or a bundle service. */
export type ActivationTrigger = 'start' | 'files' | 'sighup' | 'service';

export type ActivationOutcome =
  | { kind: 'activated'; decider: Decider }
  /** The candidate is the policy and data already serving: nothing to do, nothing recorded. */
  | { kind: 'unchanged'; decider: Decider }
  | { kind: 'refused'; error: string };

export interface ActivatorOptions {
  handle: SwappablePolicy;
  /** Where activations and refusals are recorded; an activation it cannot record does not happen. */
  audit: { append(entry: AuditEntry): unknown } | undefined;
  /** One line per activation or refusal, for the operator. */
  log: (line: string) => void;
  /** Told about each activation or refusal (metrics). */
  onOutcome?: (outcome: ActivationOutcome, trigger: ActivationTrigger) => void;
}

/**
 * The one path a new policy takes into a running guard: the candidate is loaded and checked in full
 * (loadCandidate) while the live snapshot keeps serving; only a candidate that passed, and whose activation
 * the audit log took, is swapped in. A refused candidate changes nothing but one log line and one audit
 * record. Activations run one at a time, in the order asked for, so two triggers close together cannot
 * race a stale candidate past a newer one.
 */
export class PolicyActivator {
  readonly #options: ActivatorOptions;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: ActivatorOptions) {
    this.#options = options;
  }

  /** The snapshot serving now. */
  current(): Decider {
    return this.#options.handle.current();
  }

  /** Records the snapshot the host started with: the first activation of the log's life under this host. */
  started(source?: string): void {
    this.#record('activated', 'start', this.#options.handle.current(), { source });
  }

  /**
   * Loads a candidate with `load` and activates it if it passes; never throws. `source` says where the
   * candidate came from, for the audit record (paths, a service's url and ETag; never a credential).
   */
  activate(trigger: ActivationTrigger, load: () => Promise<Decider>, source?: string): Promise<ActivationOutcome> {
    const run = this.#queue.then(() => this.#activate(trigger, load, source));
    // Whatever one activation does, the next still runs.
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #activate(trigger: ActivationTrigger, load: () => Promise<Decider>, source: string | undefined): Promise<ActivationOutcome> {
    const { handle, log } = this.#options;
    const live = handle.current();
    let outcome: ActivationOutcome;
    try {
      const candidate = await load();
      if (candidate.revision === live.revision && candidate.dataRevision === live.dataRevision) {
        outcome = { kind: 'unchanged', decider: live };
        log(`policy unchanged (${trigger}): ${revisions(live)}`);
      } else {
        // Recorded before the swap: an activation the audit log cannot take never serves a decision.
        this.#record('activated', trigger, candidate, { source, previous: live });
        for (const err of handle.swap(candidate)) log(`policy activated, but a listener failed: ${describeError(err)}`);
        log(`policy activated (${trigger}): ${revisions(candidate)}, was ${revisions(live)}`);
        outcome = { kind: 'activated', decider: candidate };
      }
    } catch (err) {
      const error = describeError(err);
      log(`policy candidate refused (${trigger}), still serving ${revisions(live)}: ${error}`);
      try {
        this.#record('refused', trigger, live, { source, error });
      } catch (auditErr) {
        log(`policy refusal not recorded: ${describeError(auditErr)}`);
      }
      outcome = { kind: 'refused', error };
    }
    try {
      this.#options.onOutcome?.(outcome, trigger);
    } catch (err) {
      log(`policy activation outcome not reported: ${describeError(err)}`);
    }
    return outcome;
  }

  #record(event: PolicyEvent, trigger: ActivationTrigger, serving: Decider, extra: { source?: string | undefined; error?: string; previous?: Decider } = {}): void {
    const { source, error, previous } = extra;
    this.#options.audit?.append({
      kind: 'policy', event, principal: null, task_id: null, tool: null, reasons: [trigger],
      policy_revision: serving.revision, data_revision: serving.dataRevision,
      ...(error !== undefined ? { error } : {}),
      ...(source !== undefined ? { source } : {}),
      ...(serving.signedBy !== undefined ? { signer_key_id: serving.signedBy } : {}),
      ...(previous ? { previous_policy_revision: previous.revision, previous_data_revision: previous.dataRevision } : {}),
    });
  }
}

/** How log lines name a snapshot: `policy <12 hex>, data <12 hex>`. */
export function revisions(d: Decider): string {
  return `policy ${d.revision.slice(0, 12)}, data ${d.dataRevision.slice(0, 12)}`;
}
