import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { decisionLogConfig, type DecisionLogConfig } from '../decision-log/config.js';
import { isRecord } from '../decision/parse.js';
import type { BundleVerification } from '../decision/bundle-signature.js';
import { TaskguardError, describeError } from '../errors.js';
import { validateIdentityConfig, type IdentityConfig } from '../identity/index.js';
import { loopbackOrigins, originOf } from '../http/origin.js';
import { deepFreeze } from '../util/freeze.js';
import { deepMerge } from '../util/merge.js';
import { packageRoot } from '../util/paths.js';
import { bundleServiceConfig, type BundleServiceConfig } from './bundle-service-config.js';
import { verificationConfig } from './verification-config.js';
import { metricsConfig, type DiagnosticsConfig, type MetricsConfig } from './metrics-config.js';

export const DEFAULT_CONFIG_FILE = path.join(packageRoot, 'config', 'default.yaml');
/** The policy data of `demo: { tools: conformance }`, used when policy.data names none. */
export const CONFORMANCE_DATA_FILE = path.join(packageRoot, 'config', 'conformance-data.yaml');

/**
 * Where tasks live. sqlite (the default): one file in the state folder, survives restarts. postgres: shared
 * by many hosts; the connection string is read from the environment variable `urlEnv` (it holds a password,
 * so it never sits in a config file). memory: gone with the process. leaseMs: see TaskguardOptions.leaseMs.
 */
export type StoreConfig =
  | { kind: 'memory' }
  | { kind: 'sqlite'; file: string; leaseMs: number; cursorSecretEnv?: string }
  | { kind: 'postgres'; urlEnv: string; schema: string; poolSize: number; leaseMs: number; cursorSecretEnv?: string };

/**
 * Where audit records go: a JSONL file (default), or the task store's database (sqlite or postgres) as one
 * chain per host, named `chain` (default `<hostname>:<port>`, so hosts sharing a database never share one).
 * The file rotates (default at 100 MiB; `rotate: {}` never) and retention deletes old rotated files; a
 * database chain is pruned of old records. Retention is off unless `retain` says otherwise.
 */
export type AuditConfig =
  | {
    kind: 'file'; file: string; fsync: 'always' | 'interval' | 'never'; intervalMs: number;
    rotate: { maxBytes?: number; maxAgeMs?: number }; retain: { maxFiles?: number; maxAgeMs?: number };
  }
  | { kind: 'database'; chain: string; retain: { maxRecords?: number; maxAgeMs?: number } };

export const DEFAULT_ROTATE_BYTES = 104_857_600;

/**
 * A candidate policy evaluated beside the live one on `sample` of decisions, never changing an answer. It is
 * checked like the live policy (policy.verification applies to it too).
 */
export interface ShadowConfig {
  bundle?: string;
  data?: string;
  sample: number;
}

/** The reference host's configuration, validated and with every path absolute. */
export interface HostConfig {
  listen: { host: string; port: number; path: string; publicUrl: string; allowedHosts: string[]; allowedOrigins: string[]; maxBodyBytes: number };
  stateDir: string;
  identity: { mode: 'dev' } | { mode: 'jwt'; config: IdentityConfig };
  /** watch: reload when the bundle or data file changes (SIGHUP reloads either way). service: see BundleServiceConfig. */
  policy: { bundle?: string; data?: string; verification?: BundleVerification; watch: boolean; service?: BundleServiceConfig; shadow?: ShadowConfig };
  store: StoreConfig;
  audit: AuditConfig;
  /** tools: register the demo tools; conformance: register the conformance runner's fixture tools instead. */
  demo: { tools: boolean; conformance: boolean; workspace: string };
  /** Streamable HTTP sessions: closed after idleTimeoutMs without a request; at most this many open. */
  sessions: { idleTimeoutMs: number; maxPerPrincipal: number; maxTotal: number };
  shutdown: { graceMs: number };
  /** /metrics, and the optional diagnostic listener (src/config/metrics-config.ts). */
  metrics: MetricsConfig;
  diagnostics?: DiagnosticsConfig;
  /** OPA-format decision logs (console, file, an OPA log service); absent: off. */
  decisionLogs?: DecisionLogConfig;
  /** Where it came from, for messages. */
  source: string;
}

/**
 * Loads the embedded default, then `file` merged over it (objects merge, lists and scalars replace). Every
 * problem is reported at once, each naming its path, e.g. `listen.port: must be a whole number 0..65535`.
 */
export function loadHostConfig(file?: string): HostConfig {
  const defaults = readYaml(DEFAULT_CONFIG_FILE);
  if (!file) return validateHostConfig(defaults, process.cwd(), 'embedded default config');
  return validateHostConfig(deepMerge(defaults, readYaml(file)), path.dirname(path.resolve(file)), file);
}

function readYaml(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new TaskguardError('config_invalid', `cannot read config ${file}: ${describeError(err)}`);
  }
  try {
    return parse(text, { uniqueKeys: true, maxAliasCount: 100 }) ?? {};
  } catch (err) {
    throw new TaskguardError('config_invalid', `${file} is not valid yaml: ${describeError(err)}`);
  }
}

export function validateHostConfig(raw: unknown, baseDir: string, source: string): HostConfig {
  const problems: string[] = [];
  const at = (p: string, msg: string): void => void problems.push(`${p}: ${msg}`);
  if (!isRecord(raw)) throw new TaskguardError('config_invalid', `${source}: must be a mapping`);
  only(raw, '', ['listen', 'state_dir', 'identity', 'policy', 'store', 'audit', 'demo', 'sessions', 'shutdown', 'metrics', 'diagnostics', 'decision_logs'], at);

  const listen = section(raw, 'listen', at);
  only(listen, 'listen', ['host', 'port', 'path', 'public_url', 'allowed_hosts', 'allowed_origins', 'max_body_bytes'], at);
  const host = str(listen['host'], 'listen.host', at) ?? '127.0.0.1';
  const port = int(listen['port'], 'listen.port', 0, 65535, at) ?? 8787;
  const mcpPath = str(listen['path'], 'listen.path', at) ?? '/mcp';
  if (!mcpPath.startsWith('/')) at('listen.path', 'must start with /');
  const publicUrl = str(listen['public_url'], 'listen.public_url', at) ?? `http://${host}:${port}${mcpPath}`;
  if (!/^https?:\/\/[^/]+/.test(publicUrl)) at('listen.public_url', 'must be an http(s) url');
  const allowedHosts = listen['allowed_hosts'] === undefined ? [`${host}:${port}`, `localhost:${port}`] : strList(listen['allowed_hosts'], 'listen.allowed_hosts', at);
  const allowedOrigins = listen['allowed_origins'] === undefined
    ? unique([...loopbackOrigins(port), originOf(publicUrl)])
    : origins(strList(listen['allowed_origins'], 'listen.allowed_origins', at), 'listen.allowed_origins', at);
  const maxBodyBytes = int(listen['max_body_bytes'], 'listen.max_body_bytes', 1024, 64 * 1048576, at) ?? 1048576;

  const stateDir = path.resolve(baseDir, str(raw['state_dir'], 'state_dir', at) ?? '.taskguard');

  const identityRaw = section(raw, 'identity', at);
  let identity: HostConfig['identity'] = { mode: 'dev' };
  if (identityRaw['mode'] === 'jwt') {
    const { mode: _mode, ...rest } = identityRaw;
    try {
      identity = { mode: 'jwt', config: validateIdentityConfig({ audience: publicUrl, ...rest }, 'identity') };
    } catch (err) {
      problems.push(describeError(err));
    }
  } else if (identityRaw['mode'] !== 'dev') {
    at('identity.mode', 'must be dev or jwt');
  } else {
    only(identityRaw, 'identity', ['mode'], at);
  }

  const policyRaw = section(raw, 'policy', at);
  only(policyRaw, 'policy', ['bundle', 'data', 'verification', 'watch', 'service', 'shadow'], at);
  const shadow = shadowConfig(policyRaw['shadow'], baseDir, at);
  if (policyRaw['watch'] !== undefined && typeof policyRaw['watch'] !== 'boolean') at('policy.watch', 'must be true or false');
  const bundle = str(policyRaw['bundle'], 'policy.bundle', at);
  const data = str(policyRaw['data'], 'policy.data', at);
  const verification = verificationConfig(policyRaw['verification'], baseDir, at);
  // A data file beside a signed bundle would decide with data no signature covers.
  if (verification && data) at('policy.data', 'cannot replace the data of a signed bundle (policy.verification is set); build the data into the bundle');
  if (shadow?.data && verification) at('policy.shadow.data', 'cannot replace the data of a signed bundle (policy.verification is set); build the data into the candidate bundle');
  const service = bundleServiceConfig(policyRaw['service'], verification !== undefined, at);
  // The service's bundle is the whole policy, as an OPA bundle owns its roots: a local bundle or data file
  // beside it would be a second source of truth, and which one decides would depend on what loaded last.
  if (service) for (const key of ['bundle', 'data'] as const) if (policyRaw[key] !== undefined) at(`policy.${key}`, 'cannot be set with policy.service (the service\'s bundle is the whole policy)');
  if (service && policyRaw['watch'] === true) at('policy.watch', 'has nothing to watch with policy.service (the service is polled)');

  const store = storeConfig(section(raw, 'store', at), stateDir, at);
  const audit = auditConfig(section(raw, 'audit', at), store, stateDir, port, at);

  const demo = section(raw, 'demo', at);
  only(demo, 'demo', ['tools', 'workspace'], at);
  if (demo['tools'] !== undefined && typeof demo['tools'] !== 'boolean' && demo['tools'] !== 'conformance') at('demo.tools', 'must be true, false or conformance');
  const conformance = demo['tools'] === 'conformance';
  // The fixture tools come with their own data; a signed bundle's data cannot be replaced, so the two exclude.
  if (conformance && verification) at('demo.tools', 'conformance needs its own policy data, which a signed bundle (policy.verification) cannot take');
  if (conformance && service) at('demo.tools', 'conformance needs its own policy data, which a bundle service\'s bundle cannot take');
  const policyData = data ?? (conformance ? CONFORMANCE_DATA_FILE : undefined);

  const sessions = section(raw, 'sessions', at);
  only(sessions, 'sessions', ['idle_timeout_ms', 'max_per_principal', 'max_total'], at);

  const shutdown = section(raw, 'shutdown', at);
  only(shutdown, 'shutdown', ['grace_ms'], at);
  const observability = metricsConfig(raw['metrics'], raw['diagnostics'], { port, path: mcpPath }, at);

  const decisionLogs = decisionLogConfig(raw['decision_logs'], stateDir, at);

  const config: HostConfig = {
    listen: { host, port, path: mcpPath, publicUrl, allowedHosts, allowedOrigins, maxBodyBytes },
    stateDir,
    identity,
    policy: {
      ...(bundle ? { bundle: path.resolve(baseDir, bundle) } : {}), ...(policyData ? { data: path.resolve(baseDir, policyData) } : {}),
      ...(verification ? { verification } : {}),
      watch: policyRaw['watch'] === true,
      ...(shadow ? { shadow } : {}),
      ...(service ? { service } : {}),
    },
    store,
    audit,
    demo: { tools: demo['tools'] !== false && !conformance, conformance, workspace: path.resolve(stateDir, str(demo['workspace'], 'demo.workspace', at) ?? 'workspace') },
    sessions: {
      idleTimeoutMs: int(sessions['idle_timeout_ms'], 'sessions.idle_timeout_ms', 1000, 604_800_000, at) ?? 1_800_000,
      maxPerPrincipal: int(sessions['max_per_principal'], 'sessions.max_per_principal', 1, 100_000, at) ?? 16,
      maxTotal: int(sessions['max_total'], 'sessions.max_total', 1, 1_000_000, at) ?? 1000,
    },
    shutdown: { graceMs: int(shutdown['grace_ms'], 'shutdown.grace_ms', 0, 600_000, at) ?? 10_000 },
    ...observability,
    ...(decisionLogs ? { decisionLogs } : {}),
    source,
  };
  if (problems.length > 0) throw new TaskguardError('config_invalid', `${source}: ${problems.join('; ')}`);
  return deepFreeze(config);
}

type At = (p: string, msg: string) => void;

const STORE_KINDS = ['sqlite', 'postgres', 'memory'];
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function storeConfig(raw: Record<string, unknown>, stateDir: string, at: At): StoreConfig {
  const kind = raw['kind'] ?? 'sqlite';
  if (typeof kind !== 'string' || !STORE_KINDS.includes(kind)) {
    at('store.kind', `must be one of ${STORE_KINDS.join(', ')}`);
    return { kind: 'memory' };
  }
  const leaseMs = int(raw['lease_ms'], 'store.lease_ms', 300, 3_600_000, at) ?? 15_000;
  if (kind === 'memory') {
    only(raw, 'store', ['kind'], at);
    return { kind };
  }
  const secretEnv = str(raw['cursor_secret_env'], 'store.cursor_secret_env', at);
  if (secretEnv !== undefined && !ENV_NAME.test(secretEnv)) at('store.cursor_secret_env', 'must be an environment variable name');
  const cursor = secretEnv === undefined ? {} : { cursorSecretEnv: secretEnv };
  if (kind === 'sqlite') {
    only(raw, 'store', ['kind', 'file', 'lease_ms', 'cursor_secret_env'], at);
    return { kind, file: path.resolve(stateDir, str(raw['file'], 'store.file', at) ?? 'tasks.db'), leaseMs, ...cursor };
  }
  only(raw, 'store', ['kind', 'url_env', 'schema', 'pool_size', 'lease_ms', 'cursor_secret_env'], at);
  const urlEnv = str(raw['url_env'], 'store.url_env', at) ?? 'TASKGUARD_DATABASE_URL';
  if (!ENV_NAME.test(urlEnv)) at('store.url_env', 'must be an environment variable name');
  const schema = str(raw['schema'], 'store.schema', at) ?? 'public';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) at('store.schema', 'must be a lowercase sql identifier');
  return { kind: 'postgres', urlEnv, schema, poolSize: int(raw['pool_size'], 'store.pool_size', 1, 200, at) ?? 10, leaseMs, ...cursor };
}

function auditConfig(raw: Record<string, unknown>, store: StoreConfig, stateDir: string, port: number, at: At): AuditConfig {
  const kind = raw['kind'] ?? 'file';
  if (kind === 'database') {
    only(raw, 'audit', ['kind', 'chain', 'retain'], at);
    if (store.kind === 'memory') at('audit.kind', 'database needs store.kind sqlite or postgres');
    const chain = str(raw['chain'], 'audit.chain', at) ?? `${hostname()}:${port}`;
    if (!/^[\x21-\x7e]{1,200}$/.test(chain)) at('audit.chain', 'must be 1 to 200 printable ascii characters');
    return { kind, chain, retain: wholeNumbers(raw['retain'], 'audit.retain', { max_records: ['maxRecords', 1, 1e12], max_age_ms: ['maxAgeMs', 1000, TEN_YEARS_MS] }, at) };
  }
  if (kind !== 'file') at('audit.kind', 'must be file or database');
  only(raw, 'audit', ['kind', 'file', 'fsync', 'interval_ms', 'rotate', 'retain'], at);
  const fsync = raw['fsync'] ?? 'interval';
  if (fsync !== 'always' && fsync !== 'interval' && fsync !== 'never') at('audit.fsync', 'must be always, interval or never');
  return {
    kind: 'file',
    file: path.resolve(stateDir, str(raw['file'], 'audit.file', at) ?? 'audit.jsonl'),
    fsync: fsync as 'always' | 'interval' | 'never',
    intervalMs: int(raw['interval_ms'], 'audit.interval_ms', 1, 60_000, at) ?? 200,
    rotate: raw['rotate'] === undefined
      ? { maxBytes: DEFAULT_ROTATE_BYTES }
      : wholeNumbers(raw['rotate'], 'audit.rotate', { max_bytes: ['maxBytes', 1024, 2 ** 40], max_age_ms: ['maxAgeMs', 1000, 366 * DAY_MS] }, at),
    retain: wholeNumbers(raw['retain'], 'audit.retain', { max_files: ['maxFiles', 1, 1_000_000], max_age_ms: ['maxAgeMs', 1000, TEN_YEARS_MS] }, at),
  };
}

const DAY_MS = 86_400_000;
const TEN_YEARS_MS = 3653 * DAY_MS;

/**
 * A mapping of optional whole numbers, such as `audit.rotate`: each key in `spec` names its camelCase field
 * and range; absent keys stay absent, unknown ones are refused.
 */
function wholeNumbers<F extends string>(value: unknown, p: string, spec: Record<string, [F, number, number]>, at: At): Partial<Record<F, number>> {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) {
    at(p, 'must be a mapping');
    return {};
  }
  only(value, p, Object.keys(spec), at);
  const out: Partial<Record<F, number>> = {};
  for (const [key, [field, min, max]] of Object.entries(spec)) {
    const n = int(value[key], `${p}.${key}`, min, max, at);
    if (n !== undefined) out[field] = n;
  }
  return out;
}

function section(raw: Record<string, unknown>, key: string, at: At): Record<string, unknown> {
  const value = raw[key];
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) {
    at(key, 'must be a mapping');
    return {};
  }
  return value;
}

function only(obj: Record<string, unknown>, p: string, keys: string[], at: At): void {
  for (const key of Object.keys(obj)) if (!keys.includes(key)) at(p ? `${p}.${key}` : key, `unknown key (expected one of ${keys.join(', ')})`);
}

function str(value: unknown, p: string, at: At): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value === '') {
    at(p, 'must be a non-empty string');
    return undefined;
  }
  return value;
}

function shadowConfig(raw: unknown, baseDir: string, at: At): ShadowConfig | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isRecord(raw)) {
    at('policy.shadow', 'must be a mapping with bundle and/or data, and sample');
    return undefined;
  }
  only(raw, 'policy.shadow', ['bundle', 'data', 'sample'], at);
  const bundle = str(raw['bundle'], 'policy.shadow.bundle', at);
  const data = str(raw['data'], 'policy.shadow.data', at);
  if (!bundle && !data) at('policy.shadow', 'needs a bundle, a data file or both (the candidate)');
  const sample = raw['sample'] ?? 1;
  if (typeof sample !== 'number' || !(sample > 0 && sample <= 1)) at('policy.shadow.sample', 'must be a number above 0 and at most 1');
  return {
    ...(bundle ? { bundle: path.resolve(baseDir, bundle) } : {}), ...(data ? { data: path.resolve(baseDir, data) } : {}),
    sample: typeof sample === 'number' ? sample : 1,
  };
}

function int(value: unknown, p: string, min: number, max: number, at: At): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    at(p, `must be a whole number ${min}..${max}`);
    return undefined;
  }
  return value;
}

/** Browser origins as browsers send them (`HTTPS://X.example:443/` is `https://x.example`). */
function origins(values: string[], p: string, at: At): string[] {
  return unique(values.map((v) => {
    const origin = originOf(v);
    if (origin === undefined) at(p, `\`${v}\` is not an http(s) origin`);
    return origin;
  }));
}

function unique(values: Array<string | undefined>): string[] {
  return [...new Set(values.filter((v): v is string => v !== undefined))];
}

function strList(value: unknown, p: string, at: At): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v !== '')) {
    at(p, 'must be a list of non-empty strings');
    return [];
  }
  return value as string[];
}
