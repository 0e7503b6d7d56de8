import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LONG_POLL_CONTENT_TYPE } from '../../src/activation/bundle-service-request.js';

export const BUNDLE_PATH = '/v1/bundles/taskguard';

/** A request as the server saw it, and what it answered (0: the connection was dropped). */
export interface SeenRequest {
  headers: IncomingHttpHeaders;
  status: number;
}

/**
 * A minimal OPA bundle service on 127.0.0.1: serves one bundle under an ETag, answers 304 to a matching
 * If-None-Match, and, in long-polling mode, holds such a request (Prefer: wait=N) until the bundle changes
 * or N seconds pass, saying so with OPA's long-polling content type. `failing` answers 500, `down` drops
 * every connection unanswered, as a host that is gone does. Every request is recorded.
 */
export class BundleServer {
  readonly requests: SeenRequest[] = [];
  mode: 'serving' | 'failing' | 'down' = 'serving';
  /** What 'failing' answers, and the Retry-After it sends with it (none when undefined). */
  failStatus = 500;
  retryAfter: string | undefined;
  longPolling = false;
  /** Send bodies with no Content-Length (chunked): a client must count what it reads. */
  chunked = false;
  #bundle: { etag: string; body: Buffer } | undefined;
  #held = new Set<() => void>();
  #waiters: Array<() => void> = [];
  #finished = 0;
  readonly #server = createServer((req, res) => {
    const seen: SeenRequest = { headers: req.headers, status: 0 };
    this.requests.push(seen);
    const answer = (status: number, headers: Record<string, string> = {}, body?: Buffer): void => {
      seen.status = status;
      const type = this.longPolling ? { 'content-type': LONG_POLL_CONTENT_TYPE } : status === 200 ? { 'content-type': 'application/gzip' } : {};
      const length = body && !this.chunked ? { 'content-length': String(body.length) } : {};
      res.writeHead(status, { ...type, ...length, ...headers });
      res.end(body);
      this.#finish();
    };
    if (this.mode === 'down') {
      req.socket.destroy();
      this.#finish();
      return;
    }
    if (this.mode === 'failing') return answer(this.failStatus, this.retryAfter === undefined ? {} : { 'retry-after': this.retryAfter });
    if (req.url !== BUNDLE_PATH || !this.#bundle) return answer(404);
    const respond = (): void => {
      const bundle = this.#bundle as { etag: string; body: Buffer };
      if (req.headers['if-none-match'] === bundle.etag) return answer(304, { etag: bundle.etag });
      answer(200, { etag: bundle.etag }, bundle.body);
    };
    const wait = /wait=(\d+)/.exec(String(req.headers['prefer'] ?? ''))?.[1];
    if (!this.longPolling || wait === undefined || req.headers['if-none-match'] !== this.#bundle.etag) return respond();
    const release = (): void => {
      clearTimeout(timer);
      this.#held.delete(release);
      respond();
    };
    const timer = setTimeout(release, Number(wait) * 1000);
    this.#held.add(release);
    res.on('close', () => {
      clearTimeout(timer);
      this.#held.delete(release);
    });
  });

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/v1`;
  }

  /** Serves `body` under `etag` from now on; held long polls are answered with it at once. */
  serve(etag: string, body: Buffer): void {
    this.#bundle = { etag, body };
    for (const release of [...this.#held]) release();
  }

  /** Polls held open right now. */
  held(): number {
    return this.#held.size;
  }

  /** Resolves once `count` requests have been answered (or dropped) in all. */
  async answered(count: number, limitMs = 10_000): Promise<SeenRequest[]> {
    const until = Date.now() + limitMs;
    while (this.#finished < count) {
      if (Date.now() > until) throw new Error(`bundle server: ${this.requests.length} requests, expected ${count}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.requests.slice(0, count);
  }

  async close(): Promise<void> {
    for (const release of [...this.#held]) release();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #finish(): void {
    this.#finished += 1;
    for (const wake of this.#waiters.splice(0)) wake();
  }
}
