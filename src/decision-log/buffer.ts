import type { DecisionLogCounters } from './stats.js';

interface Held {
  json: string;
  bytes: number;
}

/**
 * Encoded events waiting for upload, bounded by count and bytes. Full, it drops the oldest (as OPA's buffers
 * do) and counts them: adding never waits and never fails, so the decision path never feels the service.
 */
export class EventBuffer {
  #items: Held[] = [];
  #head = 0;
  #bytes = 0;
  readonly #maxEvents: number;
  readonly #maxBytes: number;
  readonly #counters: DecisionLogCounters;

  constructor(limits: { maxEvents: number; maxBytes: number }, counters: DecisionLogCounters) {
    this.#maxEvents = limits.maxEvents;
    this.#maxBytes = limits.maxBytes;
    this.#counters = counters;
  }

  get size(): number {
    return this.#items.length - this.#head;
  }

  push(json: string): void {
    this.#items.push({ json, bytes: Buffer.byteLength(json) });
    this.#bytes += (this.#items[this.#items.length - 1] as Held).bytes;
    this.#trim();
  }

  /** Takes the oldest events out up to `bytes` of JSON (at least one): a chunk's worth, see encodeChunk. */
  takeBytes(bytes: number): string[] {
    let count = 0;
    for (let sum = 0, i = this.#head; i < this.#items.length && (count === 0 || sum + (this.#items[i] as Held).bytes <= bytes); i++, count++) {
      sum += (this.#items[i] as Held).bytes + 1;
    }
    return this.take(count);
  }

  /** Takes the oldest `count` events out (fewer if it holds fewer): they are in flight until sent or requeued. */
  take(count: number): string[] {
    const end = Math.min(this.#head + count, this.#items.length);
    const taken = this.#items.slice(this.#head, end);
    for (const item of taken) this.#bytes -= item.bytes;
    this.#head = end;
    // Compact now and then, so taking stays cheap and the array does not keep what was sent.
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return taken.map((t) => t.json);
  }

  /** Puts events whose upload failed back in front, the oldest again; what no longer fits is dropped first. */
  requeue(events: readonly string[]): void {
    const held = events.map((json) => ({ json, bytes: Buffer.byteLength(json) }));
    if (this.#head >= held.length) {
      // The usual case: the slots they were taken from are still there, in front of the head.
      this.#head -= held.length;
      for (let i = 0; i < held.length; i++) this.#items[this.#head + i] = held[i] as Held;
    } else {
      this.#items = [...held, ...this.#items.slice(this.#head)];
      this.#head = 0;
    }
    this.#bytes += held.reduce((n, h) => n + h.bytes, 0);
    this.#trim();
  }

  #trim(): void {
    let over = 0;
    let bytes = this.#bytes;
    // One event is kept whatever its size: the upload decides whether it fits a request.
    while (this.size - over > this.#maxEvents || (this.size - over > 1 && bytes > this.#maxBytes)) {
      bytes -= (this.#items[this.#head + over] as Held).bytes;
      over++;
    }
    if (over === 0) return;
    this.take(over);
    this.#counters.drop('buffer_full', over);
  }
}
