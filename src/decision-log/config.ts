import path from 'node:path';
import { isRecord } from '../decision/parse.js';
import { parsePointer } from './pointer.js';

/** `decision_logs` in the host config, validated; absent means off. */
export interface DecisionLogConfig {
  console?: 'stderr' | 'stdout';
  /** Absolute path of a JSON Lines file, appended to. */
  file?: string;
  service?: {
    /** `{url}{resource}`: where events are POSTed. */
    uploadUrl: string;
    /** Environment variable holding a bearer token for the service (a secret never sits in the config). */
    tokenEnv?: string;
    timeoutMs: number;
  };
  reporting: {
    minDelayMs: number;
    maxDelayMs: number;
    uploadSizeLimitBytes: number;
    bufferSizeLimitBytes: number;
    bufferSizeLimitEvents: number;
    /** OPA's max_decisions_per_second: events past it are dropped (rate_limited); absent, no limit. */
    maxDecisionsPerSecond?: number;
  };
  /** JSON pointers: `hash` ones are replaced by `sha256:<12 hex>`, `erase` ones removed. */
  mask: { hash: readonly string[]; erase: readonly string[] };
  labels: Readonly<Record<string, string>>;
}

type At = (p: string, msg: string) => void;

const P = 'decision_logs';
const FIELDS = ['console', 'file', 'service', 'reporting', 'mask', 'labels'];
const SERVICE_FIELDS = ['url', 'resource', 'token_env', 'timeout_ms'];
const REPORTING_FIELDS = ['min_delay_seconds', 'max_delay_seconds', 'upload_size_limit_bytes', 'buffer_size_limit_bytes', 'buffer_size_limit_events', 'max_decisions_per_second'];
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Task ids are bearer-like handles (SEP-2663): they never leave the host unless the operator says so. */
export const DEFAULT_HASHED = ['/input/task/id'];
/** OPA's names, but one key per sink, bounded buffers by default, and delays in (fractional) seconds. */
const REPORTING_DEFAULTS = { min: 5, max: 10, upload: 32_768, bufferBytes: 16_777_216, bufferEvents: 10_000 };

/**
 * Validates `decision_logs` (see config/default.yaml). Problems go to `at`, each under its path, e.g.
 * `decision_logs.reporting.upload_size_limit_bytes: must be a whole number 90..4294967296`.
 */
export function decisionLogConfig(raw: unknown, stateDir: string, at: At): DecisionLogConfig | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isRecord(raw)) {
    at(P, 'must be a mapping');
    return undefined;
  }
  only(raw, P, FIELDS, at);
  const consoleStream = raw['console'];
  if (consoleStream !== undefined && consoleStream !== 'stderr' && consoleStream !== 'stdout') at(`${P}.console`, 'must be stderr or stdout');
  const file = text(raw['file'], `${P}.file`, at);
  const service = serviceConfig(raw['service'], at);
  if (consoleStream === undefined && file === undefined && raw['service'] === undefined) at(P, 'needs at least one of console, file, service');

  const reporting = mapping(raw['reporting'], `${P}.reporting`, at);
  only(reporting, `${P}.reporting`, REPORTING_FIELDS, at);
  const minDelay = seconds(reporting['min_delay_seconds'], `${P}.reporting.min_delay_seconds`, at) ?? REPORTING_DEFAULTS.min;
  const maxDelay = seconds(reporting['max_delay_seconds'], `${P}.reporting.max_delay_seconds`, at) ?? Math.max(minDelay, REPORTING_DEFAULTS.max);
  if (maxDelay < minDelay) at(`${P}.reporting.max_delay_seconds`, 'must not be less than min_delay_seconds');

  const maskRaw = mapping(raw['mask'], `${P}.mask`, at);
  only(maskRaw, `${P}.mask`, ['hash', 'erase'], at);
  const labels = mapping(raw['labels'], `${P}.labels`, at);
  for (const [key, value] of Object.entries(labels)) {
    if (typeof value !== 'string') at(`${P}.labels.${key}`, 'must be a string');
    if (key === 'id' || key === 'version') at(`${P}.labels.${key}`, 'is set by the host (the instance id and taskguard version, as OPA sets them)');
  }

  return {
    ...(consoleStream === 'stderr' || consoleStream === 'stdout' ? { console: consoleStream } : {}),
    ...(file !== undefined ? { file: path.resolve(stateDir, file) } : {}),
    ...(service ? { service } : {}),
    reporting: {
      minDelayMs: minDelay * 1000,
      maxDelayMs: maxDelay * 1000,
      uploadSizeLimitBytes: whole(reporting['upload_size_limit_bytes'], `${P}.reporting.upload_size_limit_bytes`, 90, 2 ** 32, at) ?? REPORTING_DEFAULTS.upload,
      bufferSizeLimitBytes: whole(reporting['buffer_size_limit_bytes'], `${P}.reporting.buffer_size_limit_bytes`, 1024, 2 ** 40, at) ?? REPORTING_DEFAULTS.bufferBytes,
      bufferSizeLimitEvents: whole(reporting['buffer_size_limit_events'], `${P}.reporting.buffer_size_limit_events`, 1, 10_000_000, at) ?? REPORTING_DEFAULTS.bufferEvents,
      ...optionalRate(reporting['max_decisions_per_second'], `${P}.reporting.max_decisions_per_second`, at),
    },
    mask: {
      hash: maskRaw['hash'] === undefined ? DEFAULT_HASHED : pointers(maskRaw['hash'], `${P}.mask.hash`, at),
      erase: pointers(maskRaw['erase'] ?? [], `${P}.mask.erase`, at),
    },
    labels: Object.fromEntries(Object.entries(labels).filter((e): e is [string, string] => typeof e[1] === 'string')),
  };
}

/** A positive number of events a second, fractions allowed (OPA's is a float: 0.5 is one every two seconds). */
function optionalRate(value: unknown, p: string, at: At): { maxDecisionsPerSecond?: number } {
  if (value === undefined || value === null) return {};
  if (typeof value === 'number' && Number.isFinite(value) && value > 0 && value <= 1_000_000) return { maxDecisionsPerSecond: value };
  at(p, 'must be a number of events a second above 0 (at most 1000000)');
  return {};
}

function serviceConfig(raw: unknown, at: At): DecisionLogConfig['service'] {
  if (raw === undefined || raw === null) return undefined;
  const p = `${P}.service`;
  const service = mapping(raw, p, at);
  only(service, p, SERVICE_FIELDS, at);
  const url = text(service['url'], `${p}.url`, at);
  if (url === undefined) at(`${p}.url`, 'is required');
  else if (!/^https?:\/\/[^/]+/.test(url)) at(`${p}.url`, 'must be an http(s) url');
  const resource = text(service['resource'], `${p}.resource`, at) ?? '/logs';
  if (!resource.startsWith('/')) at(`${p}.resource`, 'must start with /');
  const tokenEnv = text(service['token_env'], `${p}.token_env`, at);
  if (tokenEnv !== undefined && !ENV_NAME.test(tokenEnv)) at(`${p}.token_env`, 'must be an environment variable name');
  const timeoutMs = whole(service['timeout_ms'], `${p}.timeout_ms`, 100, 600_000, at) ?? 10_000;
  if (url === undefined) return undefined;
  return { uploadUrl: `${url.replace(/\/+$/, '')}${resource}`, ...(tokenEnv !== undefined ? { tokenEnv } : {}), timeoutMs };
}

function pointers(value: unknown, p: string, at: At): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    at(p, 'must be a list of json pointers such as /input/principal/sub');
    return [];
  }
  for (const pointer of value as string[]) {
    const parsed = parsePointer(pointer);
    if (typeof parsed === 'string') at(p, `\`${pointer}\`: ${parsed}`);
  }
  return value as string[];
}

function mapping(value: unknown, p: string, at: At): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (isRecord(value)) return value;
  at(p, 'must be a mapping');
  return {};
}

function only(obj: Record<string, unknown>, p: string, keys: string[], at: At): void {
  for (const key of Object.keys(obj)) if (!keys.includes(key)) at(`${p}.${key}`, `unknown key (expected one of ${keys.join(', ')})`);
}

function text(value: unknown, p: string, at: At): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' && value !== '') return value;
  at(p, 'must be a non-empty string');
  return undefined;
}

function whole(value: unknown, p: string, min: number, max: number, at: At): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value;
  at(p, `must be a whole number ${min}..${max}`);
  return undefined;
}

function seconds(value: unknown, p: string, at: At): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0.01 && value <= 86_400) return value;
  at(p, 'must be a number of seconds 0.01..86400');
  return undefined;
}
