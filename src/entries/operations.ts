// Package entry `taskguard/operations`: what the reference host runs beside the guard for operators, for
// embedders that run their own host: /metrics (prom-client), OPA-format decision logs, the OPA bundle service
// poller and the diagnostic listener. Kept off the root entry so embedding the guard loads none of it.
export { TaskguardMetrics, type TaskguardMetricsOptions } from '../metrics/taskguard-metrics.js';
export { registerShadowMetrics } from '../metrics/shadow-metrics.js';
export { registerDecisionLogMetrics } from '../metrics/decision-log-metrics.js';
export { serveMetrics, METRICS_PATH } from '../metrics/endpoint.js';
export { createDiagnosticServer, type DiagnosticServer, type DiagnosticServerOptions } from '../metrics/diagnostic-server.js';
export { DecisionLog, type DecisionLogOptions } from '../decision-log/decision-log.js';
export { openDecisionLog, describeDecisionLog, type OpenDecisionLogOptions } from '../decision-log/open.js';
export type { DecisionLogStats } from '../decision-log/stats.js';
export type { EventV1 } from '../decision-log/event.js';
export { openBundleService, type BundleServiceOptions, type BundleServiceStatus } from '../activation/bundle-service.js';
export type { DecisionLogConfig } from '../decision-log/config.js';
