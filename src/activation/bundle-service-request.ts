import { TaskguardError, describeError } from '../errors.js';

/** The content type by which a bundle service says it holds long polls (OPA's isLongPollSupported). */
export const LONG_POLL_CONTENT_TYPE = 'application/vnd.openpolicyagent.bundles';

export interface BundleRequest {
  url: string;
  /** Credentials and the like; never logged. */
  headers: Readonly<Record<string, string>>;
  userAgent: string;
  /** The ETag of the bundle now active: the service answers 304 while it is still current. */
  etag: string | undefined;
  /** Long polling: ask the service to hold the request up to this many seconds. */
  waitS: number | undefined;
  timeoutMs: number;
  maxBytes: number;
  /** Aborts the request when the host stops. */
  signal: AbortSignal;
}

export type BundleResponse =
  | { kind: 'bundle'; bytes: Buffer; etag: string | undefined; longPoll: boolean }
  | { kind: 'not_modified'; longPoll: boolean }
  /** Any other status: a failed poll, which the service may ask to retry no sooner than retryAfterMs. */
  | { kind: 'failed'; error: TaskguardError; retryAfterMs: number | undefined };

/** The longest Retry-After honoured: a misconfigured service must not hold policy updates back for days. */
export const MAX_RETRY_AFTER_MS = 3_600_000;

/**
 * One poll of an OPA bundle service, as OPA's downloader makes it: GET with If-None-Match, `Prefer:
 * modes=snapshot` (taskguard takes whole bundles, never deltas) and `wait=N` when long polling. A 200 is a
 * bundle (read up to maxBytes, so a service cannot fill memory), a 304 means the active one is current;
 * any other status is a failed poll carrying the service's Retry-After (RFC 9110 section 10.2.3: seconds or
 * an HTTP date; a 429 or 503 says when to come back). A network failure or a timeout throws. Either error is
 * `bundle_unavailable`, its message naming the service by origin and path only (no query, no header: no
 * credential reaches a log).
 */
export async function requestBundle(request: BundleRequest): Promise<BundleResponse> {
  const where = describeUrl(request.url);
  const timeout = AbortSignal.timeout(request.timeoutMs);
  const signal = AbortSignal.any([request.signal, timeout]);
  let res: Response;
  try {
    res = await fetch(request.url, {
      method: 'GET', signal, redirect: 'error',
      headers: {
        ...request.headers,
        'user-agent': request.userAgent,
        prefer: `modes=snapshot${request.waitS !== undefined ? `;wait=${request.waitS}` : ''}`,
        ...(request.etag !== undefined ? { 'if-none-match': request.etag } : {}),
      },
    });
  } catch (err) {
    throw unavailable(where, err, timeout, request.timeoutMs);
  }
  const longPoll = (res.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() === LONG_POLL_CONTENT_TYPE;
  if (res.status === 304) {
    await res.body?.cancel();
    return { kind: 'not_modified', longPoll };
  }
  if (res.status !== 200) {
    await res.body?.cancel();
    const error = new TaskguardError('bundle_unavailable', `bundle service ${where} answered ${res.status}`);
    return { kind: 'failed', error, retryAfterMs: retryAfterMsOf(res.headers.get('retry-after'), Date.now()) };
  }
  let bytes: Buffer;
  try {
    bytes = await readCapped(res, request.maxBytes, where);
  } catch (err) {
    if (err instanceof TaskguardError) throw err;
    throw unavailable(where, err, timeout, request.timeoutMs);
  }
  return { kind: 'bundle', bytes, etag: res.headers.get('etag') ?? undefined, longPoll };
}

/** Retry-After as milliseconds from `nowMs` (at most MAX_RETRY_AFTER_MS); undefined when absent or unreadable. */
export function retryAfterMsOf(value: string | null, nowMs: number): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  // An HTTP date in any of its three forms starts with the day's name (Date.parse alone would take "-5" for a year).
  // asctime carries no zone, and is GMT all the same: without one Date.parse would read it as local time.
  const date = (): number => Date.parse(/GMT$/.test(text) ? text : `${text} GMT`) - nowMs;
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : /^[A-Za-z]{3}/.test(text) ? date() : Number.NaN;
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}

async function readCapped(res: Response, maxBytes: number, where: string): Promise<Buffer> {
  const limit = `${maxBytes / 1048576} MiB`;
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > maxBytes) {
    await res.body?.cancel();
    throw new TaskguardError('bundle_invalid', `bundle from ${where} declares ${declared} bytes, more than ${limit}`);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (res.body) {
    for await (const chunk of res.body) {
      total += chunk.length;
      // A chunked or compressed body says nothing of its size up front: it is counted as it comes.
      if (total > maxBytes) throw new TaskguardError('bundle_invalid', `bundle from ${where} is larger than ${limit}`);
      chunks.push(chunk);
    }
  }
  return Buffer.concat(chunks);
}

function unavailable(where: string, err: unknown, timeout: AbortSignal, timeoutMs: number): TaskguardError {
  if (timeout.aborted) return new TaskguardError('bundle_unavailable', `bundle service ${where} gave no answer within ${timeoutMs / 1000} s`, { cause: err });
  // fetch says only "fetch failed"; the cause says why (connect ECONNREFUSED 127.0.0.1:8282, other side closed).
  const cause = err instanceof Error && err.cause !== undefined ? `: ${describeError(err.cause)}` : '';
  return new TaskguardError('bundle_unavailable', `bundle service ${where} unreachable: ${describeError(err)}${cause}`, { cause: err });
}

/** Origin and path: what a log line may say about the service. */
export function describeUrl(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}
