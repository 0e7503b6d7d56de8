import { describeError } from '../errors.js';
import { backoffMs, periodMs } from './backoff.js';
import { EventBuffer } from './buffer.js';
import { encodeChunk, nextEstimate } from './chunk.js';
import type { DecisionLogSink, EncodedEvent } from './sink.js';
import type { DecisionLogCounters } from './stats.js';

export interface ServiceSinkOptions {
  /** `{service url}{resource}`, OPA's `/logs` by default. */
  url: string;
  /** Sent with every upload (User-Agent, and Authorization when a token is configured). */
  headers: Readonly<Record<string, string>>;
  uploadSizeLimitBytes: number;
  minDelayMs: number;
  maxDelayMs: number;
  /** The first retry's wait; retries double it up to maxDelayMs. */
  retryBaseMs: number;
  timeoutMs: number;
  buffer: { maxEvents: number; maxBytes: number };
  counters: DecisionLogCounters;
  onError: (line: string) => void;
}

/**
 * OPA's decision-log upload: `POST` a gzip'd JSON array (`Content-Encoding: gzip`) of at most
 * upload_size_limit_bytes compressed per request; 2xx is delivered, anything else puts the chunk back and
 * retries with backoff. Events wait in a bounded buffer between uploads, which run on a timer (from the
 * first event after an idle spell, between min and max delay), never on the decision path.
 */
export class ServiceSink implements DecisionLogSink {
  readonly #options: ServiceSinkOptions;
  readonly #buffer: EventBuffer;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  /** Failed uploads in a row: the backoff's exponent. */
  #failures = 0;
  /** JSON bytes to take per chunk; adapts to how well the events compress. */
  #estimate: number;
  #closed = false;

  constructor(options: ServiceSinkOptions) {
    this.#options = options;
    this.#buffer = new EventBuffer(options.buffer, options.counters);
    this.#estimate = options.uploadSizeLimitBytes * 4;
  }

  accept(batch: readonly EncodedEvent[]): void {
    for (const { json } of batch) this.#buffer.push(json);
    this.#arm(periodMs(this.#options.minDelayMs, this.#options.maxDelayMs));
  }

  buffered(): number {
    return this.#buffer.size;
  }

  async flush(): Promise<void> {
    await this.#running;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#start();
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
  }

  #arm(delayMs: number): void {
    if (this.#timer || this.#running || this.#closed || this.#buffer.size === 0) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#start();
    }, delayMs);
    // A pending upload never keeps the process alive; shutdown flushes explicitly.
    this.#timer.unref();
  }

  #start(): Promise<void> {
    this.#running ??= this.#uploadAll().finally(() => {
      this.#running = undefined;
      const { minDelayMs, maxDelayMs, retryBaseMs } = this.#options;
      this.#arm(this.#failures > 0 ? backoffMs(this.#failures - 1, retryBaseMs, maxDelayMs) : periodMs(minDelayMs, maxDelayMs));
    });
    return this.#running;
  }

  /** Sends chunks until the buffer is empty or one fails (that one goes back in front, for the retry). */
  async #uploadAll(): Promise<void> {
    const { uploadSizeLimitBytes: limit, counters } = this.#options;
    while (this.#buffer.size > 0) {
      const taken = this.#buffer.takeBytes(this.#estimate);
      const chunk = await encodeChunk(taken, limit);
      if (!chunk.ok) {
        counters.drop('too_large');
        this.#buffer.requeue(taken.slice(1));
        continue;
      }
      if (chunk.count < taken.length) this.#buffer.requeue(taken.slice(chunk.count));
      const sent = await this.#post(chunk.body);
      if (!sent) {
        counters.uploadFailures++;
        this.#failures++;
        this.#buffer.requeue(taken.slice(0, chunk.count));
        return;
      }
      if (this.#failures > 0) this.#options.onError(`decision log: uploads resumed after ${this.#failures} failed attempt(s)`);
      this.#failures = 0;
      counters.uploads++;
      counters.uploaded += chunk.count;
      this.#estimate = nextEstimate(limit, chunk);
    }
  }

  async #post(body: Buffer): Promise<boolean> {
    try {
      const response = await fetch(this.#options.url, {
        method: 'POST',
        headers: { ...this.#options.headers, 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body,
        signal: AbortSignal.timeout(this.#options.timeoutMs),
      });
      await response.arrayBuffer();
      if (response.status >= 200 && response.status < 300) return true;
      this.#report(`the service answered http ${response.status}`);
    } catch (err) {
      const cause = (err as { cause?: { code?: unknown } }).cause?.code;
      this.#report(`cannot reach the service: ${describeError(err)}${typeof cause === 'string' ? ` (${cause})` : ''}`);
    }
    return false;
  }

  /** One line when uploads start failing, not one per retry. */
  #report(why: string): void {
    if (this.#failures === 0) this.#options.onError(`decision log: upload failed, retrying with backoff: ${why}`);
  }
}
