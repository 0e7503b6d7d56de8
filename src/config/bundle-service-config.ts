import { isRecord } from '../decision/parse.js';

/**
 * `policy.service`: where a host takes its policy from an OPA bundle service, named as OPA names it
 * (`services[].url`, `bundles.<name>.resource`, `.polling`). Secrets are named by environment variable and
 * read when the host starts, so no token sits in a config file or in this object.
 */
export interface BundleServiceConfig {
  /** The service's base URL (OPA's `services[].url`). */
  url: string;
  /** The bundle's name: the default resource and the name of its persisted copy in the state folder. */
  bundle: string;
  /** Path below `url` (OPA's `bundles.<name>.resource`, default `bundles/<name>`). */
  resource: string;
  /** `Authorization: <scheme> <token>`, the token read from the environment variable `tokenEnv`. */
  bearer?: { tokenEnv: string; scheme: string };
  /** Further request headers, each value read from the named environment variable (an API key, say). */
  headersEnv: Readonly<Record<string, string>>;
  polling: {
    /** A poll follows the last one after a uniform random delay in [minDelayMs, maxDelayMs] (OPA: 60 s, 120 s). */
    minDelayMs: number;
    maxDelayMs: number;
    /** Ask the service to hold a poll this long until a new bundle exists (`Prefer: wait=N`). */
    longPollingTimeoutS?: number;
  };
}

const FIELDS = ['url', 'bundle', 'resource', 'credentials', 'headers_env', 'polling'];
const POLLING_FIELDS = ['min_delay_seconds', 'max_delay_seconds', 'long_polling_timeout_seconds'];
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const BUNDLE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$/;
const DAY_S = 86_400;

/**
 * Validates `policy.service`; problems go to `at`, one per path. `signed` says whether policy.verification
 * is set: plain http is accepted only to a loopback address, or for signed bundles sent with no credentials
 * (the signature then covers what http cannot, and there is no token to leak).
 */
export function bundleServiceConfig(raw: unknown, signed: boolean, at: (p: string, msg: string) => void): BundleServiceConfig | undefined {
  if (raw === undefined || raw === null) return undefined;
  const p = 'policy.service';
  if (!isRecord(raw)) {
    at(p, 'must be a mapping');
    return undefined;
  }
  only(raw, p, FIELDS, at);
  const url = text(raw['url'], `${p}.url`, at) ?? '';
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) at(`${p}.url`, 'must be an http(s) url');
  else if (parsed.username || parsed.password) at(`${p}.url`, 'must not carry credentials (use credentials.bearer.token_env)');
  else if (parsed.search || parsed.hash) at(`${p}.url`, 'must have no query or fragment');

  const bundle = text(raw['bundle'], `${p}.bundle`, at) ?? 'taskguard';
  if (!BUNDLE_NAME.test(bundle)) at(`${p}.bundle`, 'must be a plain name (letters, digits, . _ -)');
  const resource = text(raw['resource'], `${p}.resource`, at) ?? `bundles/${bundle}`;

  const bearer = bearerConfig(raw['credentials'], `${p}.credentials`, at);
  const headersEnv = headersEnvConfig(raw['headers_env'], `${p}.headers_env`, at);
  if (parsed?.protocol === 'http:' && !isLoopback(parsed.hostname)) {
    if (bearer || Object.keys(headersEnv).length > 0) at(`${p}.url`, 'credentials go over https only (http is accepted to a loopback address)');
    else if (!signed) at(`${p}.url`, 'must be https unless the bundles are signed (policy.verification) or the service is on a loopback address');
  }

  const pollingRaw = raw['polling'] ?? {};
  if (!isRecord(pollingRaw)) at(`${p}.polling`, 'must be a mapping');
  const polling = isRecord(pollingRaw) ? pollingRaw : {};
  only(polling, `${p}.polling`, POLLING_FIELDS, at);
  // Seconds as OPA counts them; fractions are allowed, for services next to the host (and tests).
  const minDelayS = seconds(polling['min_delay_seconds'], `${p}.polling.min_delay_seconds`, 0.01, DAY_S, at) ?? 60;
  const maxDelayS = seconds(polling['max_delay_seconds'], `${p}.polling.max_delay_seconds`, 0.01, DAY_S, at) ?? Math.max(120, minDelayS);
  if (maxDelayS < minDelayS) at(`${p}.polling.max_delay_seconds`, 'must not be below min_delay_seconds');
  const longPoll = polling['long_polling_timeout_seconds'];
  if (longPoll !== undefined && !(typeof longPoll === 'number' && Number.isInteger(longPoll) && longPoll >= 1 && longPoll <= 3600)) {
    at(`${p}.polling.long_polling_timeout_seconds`, 'must be a whole number 1..3600');
  }

  return {
    url, bundle, resource, headersEnv,
    ...(bearer ? { bearer } : {}),
    polling: {
      minDelayMs: Math.round(minDelayS * 1000), maxDelayMs: Math.round(maxDelayS * 1000),
      ...(typeof longPoll === 'number' ? { longPollingTimeoutS: longPoll } : {}),
    },
  };
}

function bearerConfig(raw: unknown, p: string, at: (p: string, msg: string) => void): BundleServiceConfig['bearer'] {
  if (raw === undefined || raw === null) return undefined;
  if (!isRecord(raw)) {
    at(p, 'must be a mapping');
    return undefined;
  }
  only(raw, p, ['bearer'], at);
  const bearer = raw['bearer'];
  if (!isRecord(bearer)) {
    at(`${p}.bearer`, 'must be a mapping with token_env');
    return undefined;
  }
  only(bearer, `${p}.bearer`, ['token_env', 'scheme', 'token'], at);
  if ('token' in bearer) at(`${p}.bearer.token`, 'a token never goes in the config file: name its environment variable in token_env');
  const tokenEnv = text(bearer['token_env'], `${p}.bearer.token_env`, at);
  if (tokenEnv !== undefined && !ENV_NAME.test(tokenEnv)) at(`${p}.bearer.token_env`, 'must be an environment variable name');
  const scheme = text(bearer['scheme'], `${p}.bearer.scheme`, at) ?? 'Bearer';
  if (!HEADER_NAME.test(scheme)) at(`${p}.bearer.scheme`, 'must be one word');
  return tokenEnv === undefined ? undefined : { tokenEnv, scheme };
}

function headersEnvConfig(raw: unknown, p: string, at: (p: string, msg: string) => void): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  if (!isRecord(raw)) {
    at(p, 'must map header names to environment variable names');
    return {};
  }
  const out: Record<string, string> = {};
  for (const [name, env] of Object.entries(raw)) {
    if (!HEADER_NAME.test(name)) at(`${p}.${name}`, 'is not a header name');
    else if (typeof env !== 'string' || !ENV_NAME.test(env)) at(`${p}.${name}`, 'must be an environment variable name');
    else out[name] = env;
  }
  return out;
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

function seconds(value: unknown, p: string, min: number, max: number, at: (p: string, msg: string) => void): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    at(p, `must be a number of seconds ${min}..${max}`);
    return undefined;
  }
  return value;
}

function only(obj: Record<string, unknown>, p: string, keys: string[], at: (p: string, msg: string) => void): void {
  for (const key of Object.keys(obj)) if (!keys.includes(key)) at(`${p}.${key}`, `unknown key (expected one of ${keys.join(', ')})`);
}

function text(value: unknown, p: string, at: (p: string, msg: string) => void): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' && value !== '') return value;
  at(p, 'must be a non-empty string');
  return undefined;
}
