import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { PolicyHandle } from '../decision/policy-handle.js';
import { TaskguardError } from '../errors.js';
import type { DecisionLogConfig } from './config.js';
import { DecisionLog } from './decision-log.js';
import { configMaskRules } from './mask.js';
import { ServiceSink } from './service-sink.js';
import type { DecisionLogSink } from './sink.js';
import { DecisionLogCounters } from './stats.js';
import { consoleSink, fileSink } from './stream-sink.js';

export interface OpenDecisionLogOptions {
  policy: PolicyHandle;
  /** This host process, OPA's `labels.id`. */
  instanceId: string;
  /** taskguard's version, OPA's `labels.version`. */
  version: string;
  log: (line: string) => void;
  /** Environment for service.token_env (process.env by default). */
  env?: NodeJS.ProcessEnv;
}

/** OPA retries a failed upload after 100 ms first, doubling up to max_delay_seconds. */
const RETRY_BASE_MS = 100;

/** The host's decision log from its config: the sinks it names, over one pipeline. */
export function openDecisionLog(config: DecisionLogConfig, options: OpenDecisionLogOptions): DecisionLog {
  const counters = new DecisionLogCounters();
  const { reporting } = config;
  const streamOptions = { maxPendingBytes: reporting.bufferSizeLimitBytes, counters, onError: options.log };
  const sinks: DecisionLogSink[] = [];
  if (config.console) sinks.push(consoleSink(config.console === 'stdout' ? process.stdout : process.stderr, streamOptions));
  if (config.file) {
    mkdirSync(path.dirname(config.file), { recursive: true });
    sinks.push(fileSink(config.file, streamOptions));
  }
  if (config.service) {
    const headers: Record<string, string> = { 'user-agent': `taskguard/${options.version}` };
    if (config.service.tokenEnv) {
      const token = (options.env ?? process.env)[config.service.tokenEnv];
      if (!token) throw new TaskguardError('config_invalid', `decision_logs.service.token_env: environment variable ${config.service.tokenEnv} is not set`);
      headers['authorization'] = `Bearer ${token}`;
    }
    sinks.push(new ServiceSink({
      url: config.service.uploadUrl, headers, timeoutMs: config.service.timeoutMs,
      uploadSizeLimitBytes: reporting.uploadSizeLimitBytes, minDelayMs: reporting.minDelayMs, maxDelayMs: reporting.maxDelayMs,
      retryBaseMs: RETRY_BASE_MS,
      buffer: { maxEvents: reporting.bufferSizeLimitEvents, maxBytes: reporting.bufferSizeLimitBytes },
      counters, onError: options.log,
    }));
  }
  return new DecisionLog({
    policy: options.policy,
    labels: { ...config.labels, id: options.instanceId, version: options.version },
    masks: configMaskRules(config.mask),
    sinks,
    maxPending: reporting.bufferSizeLimitEvents,
    maxPerSecond: reporting.maxDecisionsPerSecond,
    counters,
    onError: options.log,
  });
}

/** For the startup line: where events go, the service as origin and path only (no credentials in a url). */
export function describeDecisionLog(config: DecisionLogConfig): string {
  const sinks: string[] = [];
  if (config.console) sinks.push(`console (${config.console})`);
  if (config.file) sinks.push(`file ${config.file}`);
  if (config.service) {
    const url = new URL(config.service.uploadUrl);
    sinks.push(`service ${url.origin}${url.pathname}`);
  }
  const masks = [...config.mask.hash.map((p) => `${p} hashed`), ...config.mask.erase.map((p) => `${p} erased`)];
  return `decision logs to ${sinks.join(', ')}; ${masks.length > 0 ? masks.join(', ') : 'nothing masked by config'}`;
}
