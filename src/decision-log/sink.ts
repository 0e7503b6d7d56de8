import type { EventV1 } from './event.js';

/** A masked event and its JSON, encoded once for every sink. */
export interface EncodedEvent {
  readonly event: EventV1;
  readonly json: string;
}

/** Where events go. `accept` runs off the decision path but on the event loop: it only queues or writes. */
export interface DecisionLogSink {
  accept(batch: readonly EncodedEvent[]): void;
  /** Delivers what it holds now, once; resolves when done or failed (a failure is counted, never thrown). */
  flush(): Promise<void>;
  /** flush, then release the file or timer. */
  close(): Promise<void>;
  /** Events held and not yet delivered. */
  buffered(): number;
}
