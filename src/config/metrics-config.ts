import { isRecord } from '../decision/parse.js';
import { METRICS_PATH } from '../metrics/endpoint.js';

/** `metrics:` — /metrics in Prometheus text: on the diagnostic listener when one is set, else on the MCP port. */
export interface MetricsConfig {
  enabled: boolean;
  /** Node's default process metrics too (CPU, memory, event loop delay, GC). */
  processMetrics: boolean;
}

/** `diagnostics:` — a listener apart from MCP for /metrics, /livez and /readyz. */
export interface DiagnosticsConfig {
  listen: { host: string; port: number };
}

/**
 * The `metrics` and `diagnostics` sections:
 *
 *     metrics: { enabled: true, process_metrics: false }
 *     diagnostics: { listen: { host: 127.0.0.1, port: 9464 } }
 *
 * Problems go to `at`, one per path.
 */
export function metricsConfig(
  metricsRaw: unknown, diagnosticsRaw: unknown, mcp: { port: number; path: string }, at: (p: string, msg: string) => void,
): { metrics: MetricsConfig; diagnostics?: DiagnosticsConfig } {
  const metrics = mapping(metricsRaw, 'metrics', ['enabled', 'process_metrics'], at);
  const config = { metrics: { enabled: flag(metrics['enabled'], 'metrics.enabled', true, at), processMetrics: flag(metrics['process_metrics'], 'metrics.process_metrics', false, at) } };
  if (diagnosticsRaw === undefined || diagnosticsRaw === null) {
    // Served before the MCP path on the same port, /metrics would shadow it.
    if (config.metrics.enabled && mcp.path === METRICS_PATH) at('listen.path', `cannot be ${METRICS_PATH} while /metrics is served on the MCP port (set diagnostics.listen or metrics.enabled: false)`);
    return config;
  }
  const diagnostics = mapping(diagnosticsRaw, 'diagnostics', ['listen'], at);
  if (diagnostics['listen'] === undefined) at('diagnostics.listen', 'is required (a host and a port)');
  const listen = mapping(diagnostics['listen'], 'diagnostics.listen', ['host', 'port'], at);
  const host = listen['host'] ?? '127.0.0.1';
  if (typeof host !== 'string' || host === '') at('diagnostics.listen.host', 'must be a non-empty string');
  const port = listen['port'];
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) at('diagnostics.listen.port', 'must be a whole number 0..65535');
  else if (port !== 0 && port === mcp.port) at('diagnostics.listen.port', 'must differ from listen.port');
  return { ...config, diagnostics: { listen: { host: String(host), port: Number(port) } } };
}

function mapping(raw: unknown, p: string, keys: string[], at: (p: string, msg: string) => void): Record<string, unknown> {
  if (raw === undefined || raw === null) return {};
  if (!isRecord(raw)) {
    at(p, 'must be a mapping');
    return {};
  }
  for (const key of Object.keys(raw)) if (!keys.includes(key)) at(`${p}.${key}`, `unknown key (expected one of ${keys.join(', ')})`);
  return raw;
}

function flag(value: unknown, p: string, fallback: boolean, at: (p: string, msg: string) => void): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') at(p, 'must be true or false');
  return value === true;
}
