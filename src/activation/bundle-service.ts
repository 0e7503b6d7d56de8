import type { BundleServiceConfig } from '../config/bundle-service-config.js';
import type { BundleVerification } from '../decision/bundle-signature.js';
import type { Decider } from '../decision/engine.js';
import { TaskguardError, describeError } from '../errors.js';
import { MAX_BUNDLE_BYTES } from '../policy/tar.js';
import { revisions, type ActivationOutcome, type PolicyActivator } from './activator.js';
import { loadCandidate } from './candidate.js';
import { pollDelayMs, retryDelayMs } from './bundle-service-delay.js';
import { describeUrl, requestBundle, type BundleResponse } from './bundle-service-request.js';
import { PersistedBundle } from './bundle-service-store.js';
import { NO_POLICY } from './no-policy.js';

/** The poll made while the host starts waits this long at most, then the host starts on what it has. */
export const START_TIMEOUT_MS = 10_000;
/** Any other poll: this long, plus the long-polling wait. */
export const REQUEST_TIMEOUT_MS = 60_000;

export interface BundleServiceOptions {
  config: BundleServiceConfig;
  /** Keys mean every bundle from the service, and the persisted one at start, must carry a valid signature. */
  verification: BundleVerification | undefined;
  stateDir: string;
  userAgent: string;
  log: (line: string) => void;
  /** Told about every poll (metrics). */
  onPoll?: (event: PollEvent) => void;
  /** Where header values are read from (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  /** For the jitter of delays (default Math.random). */
  random?: () => number;
}

/** What one poll came to, and when the next one goes. */
export interface PollEvent {
  result: 'activated' | 'unchanged' | 'not_modified' | 'refused' | 'failed';
  /** The ETag sent in If-None-Match: that of the last activated bundle. */
  sentEtag: string | undefined;
  nextDelayMs: number;
}

export interface BundleServiceStatus {
  /** A policy is serving (a bundle from the service or the persisted one); false means every request is refused. */
  policyActive: boolean;
  /** The last poll got an answer (a bundle or a 304) from the service. */
  reachable: boolean;
  /** The ETag of the bundle activated last. */
  etag: string | undefined;
  consecutiveFailures: number;
}

export interface BundleService {
  /** The snapshot to build the host on: the persisted bundle, checked again in full, or NO_POLICY. */
  readonly initial: Decider;
  /** Makes the first poll (bounded by START_TIMEOUT_MS) through `activator`, then keeps polling until close. */
  start(activator: PolicyActivator): Promise<void>;
  /** Polls now (SIGHUP), or joins the poll under way; a poll that got no bundle counts as refused. */
  pollNow(): Promise<ActivationOutcome>;
  status(): BundleServiceStatus;
  /** Stops polling; waits for an activation under way, so the audit log can close after it. */
  close(): Promise<void>;
}

/**
 * Takes a host's policy from an OPA bundle service (see docs/POLICY-RELOAD.md). Reads the credentials from
 * the environment (a missing variable stops the host here: it is a mistake waiting cannot fix) and checks
 * the persisted bundle again, as if it were new: the keys may have changed since it was stored.
 */
export async function openBundleService(options: BundleServiceOptions): Promise<BundleService> {
  const headers = requestHeaders(options.config, options.env ?? process.env);
  const persisted = new PersistedBundle(options.stateDir, options.config.bundle);
  let initial: Decider = NO_POLICY;
  let etag: string | undefined;
  if (persisted.exists()) {
    try {
      initial = await loadCandidate({ bundle: persisted.archive, verification: options.verification });
      etag = persisted.etag();
    } catch (err) {
      options.log(`persisted bundle refused, not served: ${describeError(err)}`);
    }
  }
  return new BundlePoller(options, headers, persisted, initial, etag);
}

class BundlePoller implements BundleService {
  readonly initial: Decider;
  readonly #options: BundleServiceOptions;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #persisted: PersistedBundle;
  readonly #url: string;
  readonly #stop = new AbortController();
  #activator: PolicyActivator | undefined;
  #etag: string | undefined;
  #failures = 0;
  #unreachable: string | undefined;
  #reachable = false;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<ActivationOutcome> | undefined;

  constructor(options: BundleServiceOptions, headers: Record<string, string>, persisted: PersistedBundle, initial: Decider, etag: string | undefined) {
    this.#options = options;
    this.#headers = headers;
    this.#persisted = persisted;
    this.initial = initial;
    this.#etag = etag;
    this.#url = bundleUrlOf(options.config);
  }

  async start(activator: PolicyActivator): Promise<void> {
    this.#activator = activator;
    await this.#poll(true);
    const serving = activator.current();
    if (this.#unreachable !== undefined) {
      this.#options.log(serving === NO_POLICY
        ? `no policy: bundle service unreachable and no persisted bundle; every request is refused and /readyz says not ready until a bundle arrives (${this.#unreachable})`
        : `degraded: bundle service unreachable, serving the persisted bundle ${revisions(serving)} (${this.#unreachable})`);
    } else if (serving === NO_POLICY) {
      this.#options.log('no policy: the bundle service\'s bundle was refused and none is persisted; every request is refused and /readyz says not ready until a bundle passes');
    }
  }

  pollNow(): Promise<ActivationOutcome> {
    if (!this.#activator) return Promise.reject(new TaskguardError('usage', 'bundle service polled before start'));
    return this.#poll(false);
  }

  status(): BundleServiceStatus {
    return {
      policyActive: (this.#activator?.current() ?? this.initial) !== NO_POLICY,
      reachable: this.#reachable, etag: this.#etag, consecutiveFailures: this.#failures,
    };
  }

  async close(): Promise<void> {
    this.#stop.abort();
    clearTimeout(this.#timer);
    await this.#running?.catch(() => undefined);
  }

  /** One poll at a time: a poll asked for while one runs joins it. */
  #poll(starting: boolean): Promise<ActivationOutcome> {
    if (this.#running) return this.#running;
    clearTimeout(this.#timer);
    const activator = this.#activator as PolicyActivator;
    // Polls run from a timer, where a throw would end the process: whatever goes wrong (the state folder
    // full, say) is a failed poll, retried with backoff like any other.
    const run = this.#exchange(activator, starting).catch((err: unknown) => {
      const error = describeError(err);
      this.#options.log(`bundle service poll failed: ${error}`);
      return this.#done({ kind: 'refused', error }, 'failed', this.#etag);
    }).finally(() => {
      this.#running = undefined;
    });
    this.#running = run;
    return run;
  }

  async #exchange(activator: PolicyActivator, starting: boolean): Promise<ActivationOutcome> {
    const { polling } = this.#options.config;
    // The start poll asks for an answer now: the host is waiting for it.
    const waitS = starting ? undefined : polling.longPollingTimeoutS;
    const sentEtag = this.#etag;
    const began = Date.now();
    let response: BundleResponse;
    try {
      response = await requestBundle({
        url: this.#url, headers: this.#headers, userAgent: this.#options.userAgent, etag: sentEtag, waitS, maxBytes: MAX_BUNDLE_BYTES,
        timeoutMs: starting ? START_TIMEOUT_MS : REQUEST_TIMEOUT_MS + (waitS ?? 0) * 1000, signal: this.#stop.signal,
      });
    } catch (err) {
      // An answer too large to read is a candidate like any other: refused, logged and recorded as one.
      if (err instanceof TaskguardError && err.code === 'bundle_invalid') {
        return this.#done(await activator.activate('service', () => Promise.reject(err), `service ${describeUrl(this.#url)}`), 'refused', sentEtag);
      }
      return this.#unavailable(activator, err, starting, sentEtag, undefined);
    }
    if (response.kind === 'failed') return this.#unavailable(activator, response.error, starting, sentEtag, response.retryAfterMs);
    if (this.#unreachable !== undefined && !starting) this.#options.log(`bundle service ${describeUrl(this.#url)} answering again`);
    this.#unreachable = undefined;
    this.#reachable = true;
    // A service that says it holds polls is asked again at once, unless it answered 304 well before the
    // wait was up: then it does not really hold them, and polling it at once would spin.
    const held = waitS !== undefined && response.longPoll && (response.kind === 'bundle' || Date.now() - began >= (waitS * 1000) / 2);
    if (response.kind === 'not_modified') return this.#done({ kind: 'unchanged', decider: activator.current() }, 'not_modified', sentEtag, held);

    const incoming = await this.#persisted.receive(response.bytes);
    const source = `service ${describeUrl(this.#url)}, etag ${response.etag ?? 'none'}`;
    const outcome = await activator.activate('service', () => loadCandidate({ bundle: incoming, verification: this.#options.verification }), source);
    if (outcome.kind === 'refused') {
      // The ETag stays that of the bundle serving, so the next poll fetches the service's bundle again
      // rather than being told 304 about a bundle that never went live (OPA issue 2220).
      this.#persisted.discard();
      return this.#done(outcome, 'refused', sentEtag);
    }
    this.#etag = response.etag;
    try {
      await this.#persisted.keep(response.bytes, response.etag);
    } catch (err) {
      this.#options.log(`bundle activated but not persisted: ${describeError(err)}`);
    }
    return this.#done(outcome, outcome.kind, sentEtag, held);
  }

  /** The service is unreachable, or answered neither a bundle nor 304: a failed poll, retried with backoff. */
  #unavailable(activator: PolicyActivator, err: unknown, starting: boolean, sentEtag: string | undefined, retryAfterMs: number | undefined): ActivationOutcome {
    const error = describeError(err);
    this.#reachable = false;
    // One line when the service goes away (or fails differently), not one per retry.
    if (error !== this.#unreachable && !this.#stop.signal.aborted && !starting) this.#options.log(`${error}; retrying with backoff, still serving ${revisions(activator.current())}`);
    this.#unreachable = error;
    return this.#done({ kind: 'refused', error }, 'failed', sentEtag, false, retryAfterMs);
  }

  /** `retryAfterMs`: the service's Retry-After, which the backoff never undercuts. */
  #done(outcome: ActivationOutcome, result: PollEvent['result'], sentEtag: string | undefined, held = false, retryAfterMs?: number): ActivationOutcome {
    const { polling } = this.#options.config;
    const random = this.#options.random ?? Math.random;
    const failed = result === 'failed' || result === 'refused';
    this.#failures = failed ? this.#failures + 1 : 0;
    const nextDelayMs = failed
      ? Math.max(retryDelayMs(this.#failures, polling.maxDelayMs, random), retryAfterMs ?? 0)
      : held ? 0 : pollDelayMs(polling.minDelayMs, polling.maxDelayMs, random);
    if (!this.#stop.signal.aborted) {
      this.#timer = setTimeout(() => void this.#poll(false), nextDelayMs);
      this.#timer.unref();
    }
    this.#options.onPoll?.({ result, sentEtag, nextDelayMs });
    return outcome;
  }
}

/** The configured headers with their values from the environment; a missing or unsendable value stops here. */
function requestHeaders(config: BundleServiceConfig, env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const read = (name: string, p: string): string => {
    const value = env[name];
    if (value === undefined || value === '') throw new TaskguardError('config_invalid', `${p}: environment variable ${name} is not set`);
    // The value itself never goes into a message.
    if (!/^[\x20-\x7e\t]+$/.test(value)) throw new TaskguardError('config_invalid', `${p}: environment variable ${name} holds characters a header cannot carry`);
    return value.trim();
  };
  const headers: Record<string, string> = {};
  for (const [header, name] of Object.entries(config.headersEnv)) headers[header.toLowerCase()] = read(name, `policy.service.headers_env.${header}`);
  if (config.bearer) headers['authorization'] = `${config.bearer.scheme} ${read(config.bearer.tokenEnv, 'policy.service.credentials.bearer.token_env')}`;
  return headers;
}

/** The bundle's url: the service's url and the bundle's resource below it. */
export function bundleUrlOf(config: { url: string; resource: string }): string {
  return `${config.url.replace(/\/+$/, '')}/${config.resource.replace(/^\/+/, '')}`;
}
