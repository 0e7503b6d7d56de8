import type { Decider } from '../decision/engine.js';
import type { PolicyHandle } from '../decision/policy-handle.js';
import { describeError } from '../errors.js';
import type { GuardObserver, ObservedDecision, ObservedRefusal } from '../guard/observer.js';
import { randomUUID } from 'node:crypto';
import type { ShadowDisagreement } from '../shadow/shadow-observer.js';
import { decisionEvent, refusalEvent, shadowEvent, type EventV1 } from './event.js';
import { applyMask, type MaskRule } from './mask.js';
import { logRulesCache } from './rules.js';
import type { DecisionLogSink, EncodedEvent } from './sink.js';
import { DecisionLogCounters, type DecisionLogStats, type DropReason } from './stats.js';

export interface DecisionLogOptions {
  /** The guard's policy handle: each event is masked and dropped by the rules of the snapshot that decided it. */
  policy: PolicyHandle;
  /** OPA's `labels`: `id` (this host instance) and `version`, plus the configured ones. */
  labels: Readonly<Record<string, string>>;
  /** The config's masks (task ids hashed by default), applied after the policy's own mask rules. */
  masks: readonly MaskRule[];
  sinks: readonly DecisionLogSink[];
  /** Observations waiting to be turned into events; past it the oldest are dropped (buffer_full). */
  maxPending: number;
  /** OPA's max_decisions_per_second: observations past the rate are dropped at once (rate_limited). */
  maxPerSecond?: number | undefined;
  /** The clock of the rate limit (default Date.now). */
  now?: () => number;
  counters?: DecisionLogCounters;
  /** The operator's log: a failing mask rule or an unwritable file, at most once a minute each. */
  onError: (line: string) => void;
}

type Pending =
  | { kind: 'decided'; observed: ObservedDecision; snapshot: Decider }
  | { kind: 'refused'; observed: ObservedRefusal; snapshot: Decider }
  | { kind: 'shadow'; observed: ShadowDisagreement; snapshot: Decider };

const REPORT_EVERY_MS = 60_000;

/**
 * OPA-format decision logs, as a GuardObserver. On the decision path it only notes the observation (one
 * array push; the guard's input and decision are not copied, they are never written after the call). On the
 * next turn of the event loop each one becomes an EventV1, is dropped or masked by the policy's
 * `taskguard.log` rules and by the config's masks (on a copy, copy-on-write: the guard's objects are never
 * written), encoded once, and handed to the sinks. An event whose drop or mask rule fails is dropped and
 * counted, never logged unmasked.
 */
export class DecisionLog {
  readonly observer: GuardObserver;
  readonly #options: DecisionLogOptions;
  readonly #counters: DecisionLogCounters;
  readonly #rulesOf = logRulesCache();
  #pending: Pending[] = [];
  readonly #limit: EventRate | undefined;
  #scheduled = false;
  #closed = false;
  readonly #reported = new Map<string, number>();

  constructor(options: DecisionLogOptions) {
    this.#options = options;
    this.#counters = options.counters ?? new DecisionLogCounters();
    this.#limit = options.maxPerSecond === undefined ? undefined : new EventRate(options.maxPerSecond, options.now ?? Date.now);
    const policy = options.policy;
    // decided/refused run synchronously inside the guard's decide, so current() is the snapshot that decided.
    this.observer = {
      decided: (observed) => this.#note({ kind: 'decided', observed, snapshot: policy.current() }),
      refused: (observed) => this.#note({ kind: 'refused', observed, snapshot: policy.current() }),
    };
  }

  /**
   * A shadow candidate's disagreement, logged as an event of its own (shadowEvent) and masked by the rules of
   * the live snapshot, as the decision it shadows was. Called after the answer, so the snapshot may have moved:
   * then the rules are no longer the deciding policy's and the event is dropped (counted), never sent unmasked.
   */
  shadowed(d: ShadowDisagreement): void {
    this.#note({ kind: 'shadow', observed: d, snapshot: this.#options.policy.current() });
  }

  stats(): DecisionLogStats {
    return this.#counters.snapshot(this.#options.sinks.reduce((n, s) => n + s.buffered(), 0) + this.#pending.length);
  }

  /** Turns what is pending into events and has every sink deliver what it holds (once, no retries). */
  async flush(): Promise<void> {
    this.#drain();
    await Promise.all(this.#options.sinks.map((s) => s.flush()));
  }

  /** flush, then close the sinks; later observations are ignored. For shutdown. */
  async close(): Promise<void> {
    this.#drain();
    this.#closed = true;
    await Promise.all(this.#options.sinks.map((s) => s.close()));
  }

  #note(pending: Pending): void {
    if (this.#closed) return;
    this.#counters.observed++;
    if (this.#limit && !this.#limit.take()) {
      this.#counters.drop('rate_limited');
      return;
    }
    this.#pending.push(pending);
    if (this.#pending.length > this.#options.maxPending) {
      this.#pending.shift();
      this.#counters.drop('buffer_full');
    }
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#drain());
    }
  }

  #drain(): void {
    this.#scheduled = false;
    const batch = this.#pending;
    if (batch.length === 0) return;
    this.#pending = [];
    const encoded: EncodedEvent[] = [];
    for (const pending of batch) {
      const event = this.#event(pending);
      if (event) encoded.push({ event, json: JSON.stringify(event) });
    }
    this.#counters.logged += encoded.length;
    for (const sink of this.#options.sinks) sink.accept(encoded);
  }

  /** The masked event, or undefined when it is dropped (and counted). */
  #event(pending: Pending): EventV1 | undefined {
    const { snapshot } = pending;
    const event = pending.kind === 'decided' ? decisionEvent(pending.observed, this.#options.labels)
      : pending.kind === 'shadow' ? shadowEvent(pending.observed, randomUUID(), this.#options.labels)
        : refusalEvent(pending.observed, snapshot, this.#options.labels);
    const deciding = pending.kind === 'decided' ? { policy: pending.observed.policyRevision, data: pending.observed.dataRevision }
      : pending.kind === 'shadow' ? pending.observed.liveRevision : undefined;
    if (deciding && (deciding.policy !== snapshot.revision || deciding.data !== snapshot.dataRevision)) {
      // Not reachable while observers run inside decide; if it were, these rules are not the deciding policy's.
      return this.#dropped('mask_failed', 'the deciding policy is no longer known');
    }
    const rules = this.#rulesOf(snapshot);
    try {
      if (rules.drops(event)) return this.#dropped('drop_rule');
    } catch (err) {
      return this.#dropped('drop_failed', `drop rule failed: ${describeError(err)}`);
    }
    try {
      applyMask(event, rules.masks(event));
      applyMask(event, this.#options.masks);
    } catch (err) {
      return this.#dropped('mask_failed', `mask rule failed: ${describeError(err)}`);
    }
    return event;
  }

  #dropped(reason: DropReason, why?: string): undefined {
    this.#counters.drop(reason);
    if (why === undefined) return undefined;
    const now = Date.now();
    if ((this.#reported.get(reason) ?? -Infinity) + REPORT_EVERY_MS <= now) {
      this.#reported.set(reason, now);
      this.#options.onError(`decision log: event dropped (${reason}): ${why}`);
    }
    return undefined;
  }
}

/**
 * A token bucket as OPA's (golang.org/x/time/rate, burst max(1, rate)): `rate` events a second on average,
 * up to a second's worth at once. Checked on the decision path, so it is arithmetic only.
 */
class EventRate {
  readonly #perMs: number;
  readonly #burst: number;
  readonly #now: () => number;
  #tokens: number;
  #at: number;

  constructor(perSecond: number, now: () => number) {
    this.#perMs = perSecond / 1000;
    this.#burst = Math.max(1, perSecond);
    this.#now = now;
    this.#tokens = this.#burst;
    this.#at = now();
  }

  take(): boolean {
    const now = this.#now();
    // A clock that steps back adds nothing (and takes nothing away).
    this.#tokens = Math.min(this.#burst, this.#tokens + Math.max(0, now - this.#at) * this.#perMs);
    this.#at = Math.max(this.#at, now);
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
