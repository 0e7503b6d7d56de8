import type { Decider } from '../decision/engine.js';
import type { Decision, DecisionInput } from '../decision/types.js';
import type { GuardObserver, ObservedDecision } from '../guard/observer.js';
import { compareDecisions, type Disagreement } from './compare.js';

/** A sampled decision on which the candidate policy answered otherwise than the live one. */
export interface ShadowDisagreement {
  readonly kind: Disagreement;
  readonly decisionId: string;
  readonly input: Readonly<DecisionInput>;
  readonly live: Decision;
  readonly candidate: Decision;
  readonly liveRevision: { readonly policy: string; readonly data: string };
  readonly candidateRevision: { readonly policy: string; readonly data: string };
}

export interface ShadowStats {
  /** Decisions picked by the sample rate. */
  sampled: number;
  /** Sampled decisions the candidate evaluated (the rest were dropped: queue full). */
  evaluated: number;
  agreed: number;
  disagreed: Record<Disagreement, number>;
  /** Sampled decisions not evaluated because the queue was full: shadowing never holds up the host. */
  dropped: number;
}

export interface ShadowOptions {
  /** The candidate snapshot, read per evaluation (a reload may replace it). */
  candidate: () => Decider;
  /** Share of decisions evaluated by the candidate too, 0..1. */
  sample: number;
  /** Most sampled decisions waiting for evaluation; more are dropped and counted. Default 1000. */
  maxQueue?: number;
  /** Default Math.random; tests pin it. */
  random?: () => number;
  onDisagreement?: (d: ShadowDisagreement) => void;
}

/** Evaluations per turn of the event loop, so a backlog never starves requests. */
const BATCH = 32;

/**
 * Shadow mode: a candidate policy evaluated beside the live one on a sampled share of decisions, off the
 * request's path (queued and evaluated after the answer, in small batches between other work), never
 * changing an answer. The input is the one the live policy saw, `now_ms` included, so both judge the same
 * instant. Agreements and disagreements are counted; each disagreement goes to `onDisagreement` with both
 * results (the decision log, metrics).
 */
export class ShadowObserver implements GuardObserver {
  readonly stats: ShadowStats = { sampled: 0, evaluated: 0, agreed: 0, disagreed: { outcome: 0, detail: 0 }, dropped: 0 };
  readonly #options: ShadowOptions;
  readonly #maxQueue: number;
  readonly #random: () => number;
  #queue: ObservedDecision[] = [];
  #scheduled = false;
  #idle: Array<() => void> = [];

  constructor(options: ShadowOptions) {
    if (!(options.sample >= 0 && options.sample <= 1)) throw new RangeError('shadow sample must be between 0 and 1');
    this.#options = options;
    this.#maxQueue = options.maxQueue ?? 1000;
    this.#random = options.random ?? Math.random;
  }

  decided(event: ObservedDecision): void {
    if (this.#options.sample === 0 || this.#random() >= this.#options.sample) return;
    this.stats.sampled += 1;
    if (this.#queue.length >= this.#maxQueue) {
      this.stats.dropped += 1;
      return;
    }
    this.#queue.push(event);
    this.#schedule();
  }

  /** Resolves once every queued evaluation has run (shutdown, tests). */
  idle(): Promise<void> {
    if (this.#queue.length === 0 && !this.#scheduled) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.#drain());
  }

  #drain(): void {
    this.#scheduled = false;
    const batch = this.#queue.splice(0, BATCH);
    const candidate = this.#options.candidate();
    for (const event of batch) this.#evaluate(candidate, event);
    if (this.#queue.length > 0) return this.#schedule();
    for (const resolve of this.#idle.splice(0)) resolve();
  }

  #evaluate(candidate: Decider, event: ObservedDecision): void {
    const answer = candidate.decide(event.input);
    this.stats.evaluated += 1;
    const kind = compareDecisions(event.decision, answer);
    if (kind === undefined) {
      this.stats.agreed += 1;
      return;
    }
    this.stats.disagreed[kind] += 1;
    try {
      this.#options.onDisagreement?.({
        kind, decisionId: event.decisionId, input: event.input, live: event.decision, candidate: answer,
        liveRevision: { policy: event.policyRevision, data: event.dataRevision },
        candidateRevision: { policy: candidate.revision, data: candidate.dataRevision },
      });
    } catch {
      // A failing sink loses this report, never the count or the next evaluation.
    }
  }
}
