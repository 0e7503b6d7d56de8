/**
 * Why an event was not delivered. `drop_rule` is the policy's own choice; every other reason is a loss the
 * operator should see (a decision log is best effort, unlike the audit log, so losses are counted, not fatal).
 */
export const DROP_REASONS = ['drop_rule', 'drop_failed', 'mask_failed', 'rate_limited', 'buffer_full', 'too_large', 'write_failed'] as const;
export type DropReason = (typeof DROP_REASONS)[number];

export interface DecisionLogStats {
  /** Decisions and refusals the guard reported. */
  observed: number;
  /** Events masked and handed to the sinks. */
  logged: number;
  dropped: Readonly<Record<DropReason, number>>;
  /** Events the service answered 2xx for, and in how many requests. */
  uploaded: number;
  uploads: number;
  /** Requests that failed (any non-2xx answer, or no answer); their events are sent again later. */
  uploadFailures: number;
  /** Events waiting for the service. */
  buffered: number;
}

/** The mutable counters behind DecisionLogStats, shared by the pipeline and its sinks. */
export class DecisionLogCounters {
  observed = 0;
  logged = 0;
  uploaded = 0;
  uploads = 0;
  uploadFailures = 0;
  readonly dropped: Record<DropReason, number> = Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as Record<DropReason, number>;

  drop(reason: DropReason, count = 1): void {
    this.dropped[reason] += count;
  }

  snapshot(buffered: number): DecisionLogStats {
    return {
      observed: this.observed, logged: this.logged, dropped: { ...this.dropped },
      uploaded: this.uploaded, uploads: this.uploads, uploadFailures: this.uploadFailures, buffered,
    };
  }
}
