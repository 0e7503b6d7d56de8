import type { Registry } from 'prom-client';
import { OPERATIONS, WIRES } from '../decision/types.js';
import type { GuardObserver, ObservedDecision, ObservedRefusal } from '../guard/observer.js';
import { CellCounter } from './cell-counter.js';
import { CellHistogram } from './cell-histogram.js';
import { DECISION_BUCKETS_S, DECISION_OUTCOMES, indexer, LOCAL_FAILURE_REASON, REFUSAL_REASONS, refusalReason } from './labels.js';
import type { LocalErrorMetrics } from './local-error-metrics.js';

const opIndex = indexer(OPERATIONS);
const wireIndex = indexer(WIRES);
const reasonIndex = indexer(REFUSAL_REASONS);
const outcomeIndex = indexer(DECISION_OUTCOMES);
const ALLOW = outcomeIndex('allow');
const DENY = outcomeIndex('deny');
const ERROR = outcomeIndex('error');
/** What policies read an absent `wire` as (DESIGN.md section 3). */
const DEFAULT_WIRE = wireIndex('2025-11-25');

/**
 * The guard's decisions and its own refusals, as a GuardObserver: called synchronously after each audit
 * record, so each call is an array increment and a bucket scan, nothing that allocates or hashes.
 */
export class DecisionMetrics implements GuardObserver {
  readonly #decisions: CellCounter;
  readonly #latency: CellHistogram;
  readonly #refusals: CellCounter;
  readonly #localErrors: LocalErrorMetrics;

  constructor(registry: Registry, localErrors: LocalErrorMetrics) {
    this.#localErrors = localErrors;
    this.#decisions = new CellCounter(registry, 'taskguard_decisions_total', 'Policy decisions, by operation, wire generation and outcome (error: the engine failed closed).', [
      ['op', OPERATIONS], ['wire', WIRES], ['outcome', DECISION_OUTCOMES],
    ]);
    this.#latency = new CellHistogram(registry, {
      name: 'taskguard_decision_duration_seconds', help: 'Wall time of one policy evaluation (the wasm call and parsing its answer), by operation.',
      buckets: DECISION_BUCKETS_S, label: ['op', OPERATIONS],
    });
    this.#refusals = new CellCounter(registry, 'taskguard_refusals_total', 'Requests the guard refused itself before any policy evaluation, by operation and reason.', [
      ['op', OPERATIONS], ['reason', REFUSAL_REASONS],
    ]);
  }

  decided(event: ObservedDecision): void {
    const op = opIndex(event.input.op);
    if (op < 0) return;
    const wire = event.input.wire === undefined ? DEFAULT_WIRE : wireIndex(event.input.wire);
    if (wire < 0) return;
    const { decision } = event;
    this.#decisions.add(op, wire, decision.error !== undefined ? ERROR : decision.allow ? ALLOW : DENY);
    this.#latency.observe(op, event.evalNs / 1e9);
  }

  refused(event: ObservedRefusal): void {
    if (event.reason === LOCAL_FAILURE_REASON) return this.#localErrors.count('request');
    const op = opIndex(event.op);
    if (op >= 0) this.#refusals.add(op, reasonIndex(refusalReason(event.reason)));
  }
}
