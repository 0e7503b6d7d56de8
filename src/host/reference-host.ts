import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import type { OAuthTokenVerifier } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import type { AuditLog } from '../audit/index.js';
import type { AuditVerifyResult } from '../audit/verify.js';
import { openAudit, type OpenedAudit } from './open-audit.js';
import { cursorSecret, openStore } from './open-store.js';
import type { HostConfig } from '../config/host-config.js';
import { PolicyActivator, type ActivationOutcome } from '../activation/activator.js';
import { loadCandidate } from '../activation/candidate.js';
import { watchPolicyFiles } from '../activation/file-watch.js';
import { bundleUrlOf, openBundleService } from '../activation/bundle-service.js';
import { describeUrl } from '../activation/bundle-service-request.js';
import { NO_POLICY } from '../activation/no-policy.js';
import type { Decider } from '../decision/engine.js';
import { SwappablePolicy } from '../decision/policy-handle.js';
import { registerDecisionLogMetrics } from '../metrics/decision-log-metrics.js';
import { registerShadowMetrics } from '../metrics/shadow-metrics.js';
import { ShadowObserver, type ShadowDisagreement } from '../shadow/shadow-observer.js';
import type { DecisionLog } from '../decision-log/decision-log.js';
import { describeDecisionLog, openDecisionLog } from '../decision-log/open.js';
import { createHttpHost, type HttpHost } from '../http/host.js';
import { createModernLeg } from '../http/modern-leg.js';
import type { ReadinessChecks } from '../http/health.js';
import { createDiagnosticServer, type DiagnosticServer } from '../metrics/diagnostic-server.js';
import { TaskguardMetrics } from '../metrics/taskguard-metrics.js';
import { createTokenVerifier } from '../identity/index.js';
import { createSharedRateLimiter } from '../guard/shared-rate-limit.js';
import { createTaskguard, type Taskguard } from '../wire/v2025/taskguard.js';
import { createTasksExtension, type TasksExtension } from '../wire/v2026/extension.js';
import { defaultBundleDir, packageRoot } from '../util/paths.js';
import { describeError } from '../errors.js';
import { registerDemoTools } from './demo-tools.js';
import { registerConformanceTools } from './conformance/index.js';
import { devVerifier } from './dev-identity.js';

export const SERVER_NAME = 'taskguard-reference-host';
export const VERSION = (JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;

/** Everything a running host holds, for the transports and for shutdown. */
export interface HostRuntime {
  config: HostConfig;
  /** The active policy snapshot (it changes on each activation). */
  readonly decider: Decider;
  /**
   * Reloads the policy from its configured files, or polls the bundle service now when policy.service is
   * set: the candidate goes live only if it passes every check.
   */
  reloadPolicy(trigger: 'files' | 'sighup'): Promise<ActivationOutcome>;
  /** The one path into the guard for a new policy (files, SIGHUP, a bundle service). */
  activator: PolicyActivator;
  /** With policy.shadow: the candidate evaluated beside the live policy, and its counts. */
  shadow: ShadowObserver | undefined;
  guard: Taskguard;
  /** The 2026-07-28 face of the same guard: one store, one policy, one audit log for both generations. */
  tasks: TasksExtension;
  audit: AuditLog;
  /** The taskguard_* metrics (undefined with metrics.enabled false). */
  metrics: TaskguardMetrics | undefined;
  /** OPA-format decision logs, when decision_logs is configured. */
  decisionLog: DecisionLog | undefined;
  /** Where tasks and audit records go, for the startup line. */
  storeDescription: string;
  auditDescription: string;
  /** Checks the audit chain this host writes (file or database). */
  verifyAudit(): Promise<AuditVerifyResult>;
  verifier: OAuthTokenVerifier;
  createMcpServer(): McpServer;
  /** Lets running tasks settle for up to grace_ms, stops the rest, flushes and closes the audit log. */
  settle(log: (line: string) => void): Promise<void>;
}

/** Builds the host from its config: policy, audit log, guard, demo tools and identity. */
export async function createHostRuntime(config: HostConfig, log: (line: string) => void): Promise<HostRuntime> {
  // The same checks a reload makes; configured keys mean a signature is required: an unsigned or tampered
  // bundle stops the host here, as it is refused on a reload later.
  const loadFromFiles = (): Promise<Decider> => loadCandidate(config.policy);
  // Where the policy comes from, as each policy audit record says (paths and a url only, never a credential).
  const policySource = config.policy.service
    ? `service ${describeUrl(bundleUrlOf(config.policy.service))} (the persisted bundle)`
    : `files: bundle ${config.policy.bundle ?? 'bundled default'}${config.policy.data ? `, data ${config.policy.data}` : ''}`;
  // With a bundle service, the host starts on the persisted bundle (checked again) or on no policy at all,
  // and the first poll below replaces it; see docs/POLICY-RELOAD.md for why it does not refuse to start.
  const service = config.policy.service
    ? await openBundleService({ config: config.policy.service, verification: config.policy.verification, stateDir: config.stateDir, userAgent: `taskguard/${VERSION}`, log })
    : undefined;
  const policy = new SwappablePolicy(service ? service.initial : await loadFromFiles());
  const decider = policy.current();
  mkdirSync(config.stateDir, { recursive: true, mode: 0o700 });
  // Before the store and audit log open: a missing token_env stops the host with nothing to close.
  const decisionLog = config.decisionLogs
    ? openDecisionLog(config.decisionLogs, { policy, instanceId: randomUUID(), version: VERSION, log })
    : undefined;
  if (config.decisionLogs) log(describeDecisionLog(config.decisionLogs));
  const sharedCursorSecret = cursorSecret(config.store);
  const opened = await openStore(config.store);
  let audit: OpenedAudit;
  try {
    audit = await openAudit(config, {
      policyRevision: decider.revision, dataRevision: decider.dataRevision,
      onError: (err) => log(`audit log failed, every operation is refused until the host restarts: ${err.message}`),
      onRetry: (err) => log(err.message),
      onInfo: (line) => log(`audit log: ${line}`),
    });
  } catch (err) {
    await opened.close();
    throw err;
  }
  if (audit.log.recovered) log(`audit log: ${audit.log.recovered.detail}`);
  // Read at scrape time only, by when `guard` is set.
  const metrics = config.metrics.enabled
    ? new TaskguardMetrics({ running: () => guard.running(), auditWritable: () => audit.log.writable, processMetrics: config.metrics.processMetrics })
    : undefined;
  if (metrics) audit.log.onRecord(metrics.tasks.onRecord);
  const auditLog = metrics ? metrics.audit.timed(audit.log) : audit.log;
  const activator = new PolicyActivator({ handle: policy, audit: auditLog, log, ...(metrics ? { onOutcome: metrics.policy.onOutcome } : {}) });
  // The shadow candidate passes the same checks as a live one (signature included) and reloads with it.
  const shadowConfig = config.policy.shadow;
  const loadShadow = shadowConfig
    ? (): Promise<Decider> => loadCandidate({ bundle: shadowConfig.bundle ?? config.policy.bundle, data: shadowConfig.data, verification: config.policy.verification })
    : undefined;
  const shadowPolicy = loadShadow ? new SwappablePolicy(await loadShadow()) : undefined;
  const shadow = shadowPolicy && shadowConfig
    ? new ShadowObserver({
      candidate: () => shadowPolicy.current(), sample: shadowConfig.sample,
      // With decision logs, each disagreement is an event there (both answers); the host log says it either way.
      onDisagreement: (d) => {
        log(shadowLine(d));
        decisionLog?.shadowed(d);
      },
    })
    : undefined;
  if (policy.current() !== NO_POLICY) {
    activator.started(policySource);
    metrics?.policy.started(decider);
  }
  if (metrics && shadow) registerShadowMetrics(metrics.registry, () => shadow.stats);
  if (metrics && decisionLog) registerDecisionLogMetrics(metrics.registry, () => decisionLog.stats());
  const observers = [...(metrics ? [metrics.decisions] : []), ...(decisionLog ? [decisionLog.observer] : []), ...(shadow ? [shadow] : [])];
  const { slices } = opened;
  const guard = createTaskguard({
    decider: policy, audit: auditLog, store: opened.store,
    ...(observers.length > 0 ? { observers } : {}),
    ...(config.store.kind !== 'memory' ? { leaseMs: config.store.leaseMs } : {}),
    ...(sharedCursorSecret ? { cursorSecret: sharedCursorSecret } : {}),
    // Hosts sharing PostgreSQL hold each principal's limit together, not each on its own.
    ...(slices ? { rateLimiter: (perMinute: number) => createSharedRateLimiter(slices, perMinute, { onError: (err) => log(`rate limits: ${err.message}`) }) } : {}),
    onBackgroundError: (err) => {
      metrics?.localErrors.count('background');
      log(`task store: ${err.message}`);
    },
    // The client got only the correlation id; the operator gets the cause, under the same id.
    onLocalError: (err, correlationId) => log(`request failed (correlation id ${correlationId}): ${describeError(err)}`),
  });
  // Tasks of an earlier run of this host (or of a host that died) are settled before the first request.
  await guard.ready();
  if (config.demo.tools) registerDemoTools(guard, { workspaceDir: config.demo.workspace });
  // The fixture tools the MCP conformance runner's server scenarios call, in place of the demo tools.
  if (config.demo.conformance) registerConformanceTools(guard);
  const verifier = config.identity.mode === 'dev' ? await devVerifier(config) : createTokenVerifier(config.identity.config);

  await service?.start(activator);
  const reloadPolicy = async (trigger: 'files' | 'sighup'): Promise<ActivationOutcome> => {
    const outcome = await (service ? service.pollNow() : activator.activate(trigger, loadFromFiles, policySource));
    if (loadShadow && shadowPolicy) {
      await loadShadow().then((next) => {
        if (next.revision === shadowPolicy.current().revision && next.dataRevision === shadowPolicy.current().dataRevision) return;
        shadowPolicy.swap(next);
        log(`shadow policy reloaded (${trigger}): policy ${next.revision.slice(0, 12)}, data ${next.dataRevision.slice(0, 12)}`);
      }, (err: unknown) => log(`shadow policy candidate refused (${trigger}), the previous one keeps shadowing: ${describeError(err)}`));
    }
    return outcome;
  };
  const watched = config.policy.watch
    ? watchPolicyFiles([config.policy.bundle ?? defaultBundleDir, ...(config.policy.data ? [config.policy.data] : [])], () => reloadPolicy('files'), {
      debounceMs: 300, onError: (err) => log(`policy watch: ${describeError(err)}`),
    })
    : undefined;

  const sharedValidator = new AjvJsonSchemaValidator();
  return {
    config,
    get decider() {
      return policy.current();
    },
    reloadPolicy, activator, shadow, guard, tasks: createTasksExtension(guard), audit: audit.log, metrics, decisionLog, verifier,
    storeDescription: opened.description,
    auditDescription: audit.description,
    verifyAudit: () => audit.verify(),
    // One JSON Schema validator for every session's server: the SDK builds an Ajv instance per server
    // otherwise, over half of what a session costs (measured: 32 KB -> 14 KB per attached server). The SDK
    // compiles with it only in Server.elicitInput, which the guard never calls (questions go out through
    // the guard's own delivery), so sharing it cannot grow Ajv's cache of compiled schemas.
    createMcpServer: () => new McpServer({ name: SERVER_NAME, version: VERSION }, { jsonSchemaValidator: sharedValidator }),
    async settle(say) {
      const until = Date.now() + config.shutdown.graceMs;
      while (guard.running() > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      if (guard.running() > 0) say(`stopping ${guard.running()} task(s) still running after ${config.shutdown.graceMs} ms`);
      watched?.close();
      await service?.close();
      guard.close();
      await shadow?.idle();
      // Stopped tasks record their final status (failed) before the audit log closes.
      await guard.drained(2000);
      // The last events (the stopped tasks' too) are written and sent once more before the process ends.
      await decisionLog?.close();
      await audit.close();
      await opened.close();
    },
  };
}

/** The Streamable HTTP side of the reference host: 2025-11-25 and 2026-07-28 on one path. */
export function createReferenceHttp(runtime: HostRuntime): HttpHost {
  const { config } = runtime;
  return createHttpHost({
    verifier: runtime.verifier,
    guard: runtime.guard,
    createMcpServer: runtime.createMcpServer,
    host: config.listen.host,
    port: config.listen.port,
    path: config.listen.path,
    allowedHosts: config.listen.allowedHosts,
    allowedOrigins: config.listen.allowedOrigins,
    maxBodyBytes: config.listen.maxBodyBytes,
    sessions: config.sessions,
    modern: createModernLeg({ extension: runtime.tasks, serverInfo: { name: SERVER_NAME, version: VERSION } }),
    readiness: hostReadiness(runtime),
    // With a diagnostic listener, /metrics is served there only (the MCP port may face the internet).
    ...(runtime.metrics && !config.diagnostics ? { metrics: runtime.metrics.registry } : {}),
    protectedResource: {
      resource: config.listen.publicUrl,
      ...(config.identity.mode === 'jwt' ? { authorization_servers: [config.identity.config.issuer] } : {}),
      scopes_supported: () => runtime.guard.guard.policy.scopesSupported,
    },
  });
}

/** One line per shadow disagreement: the decision id, the operation and both answers (no input: it may hold handles). */
function shadowLine(d: ShadowDisagreement): string {
  const answer = (x: { allow: boolean; reasons: readonly string[] }): string => `${x.allow ? 'allow' : 'deny'}${x.reasons.length ? ` [${x.reasons.join(', ')}]` : ''}`;
  return `shadow policy disagrees (${d.kind}) on decision ${d.decisionId} (${d.input.op}): live ${answer(d.live)}, candidate ${answer(d.candidate)}`;
}

/**
 * Ready: a policy is active, the store answers a read, and the audit log takes records (every operation
 * fails closed without it).
 */
function hostReadiness(runtime: HostRuntime): ReadinessChecks {
  return async () => ({
    // A bundle service's host starts on no policy until its first bundle passes (every request refused).
    policy: runtime.decider !== NO_POLICY,
    store: await runtime.guard.store.get(randomUUID()).then(() => true, () => false),
    audit: runtime.audit.writable,
  });
}

/**
 * The diagnostic listener of `diagnostics.listen` (undefined when none is configured), answering for the
 * host's transport (HTTP or stdio), which says when it drains.
 */
export function createReferenceDiagnostics(runtime: HostRuntime, draining: () => boolean): DiagnosticServer | undefined {
  const { diagnostics } = runtime.config;
  if (!diagnostics) return undefined;
  return createDiagnosticServer({
    ...diagnostics.listen, readiness: hostReadiness(runtime), draining,
    ...(runtime.metrics ? { metrics: runtime.metrics.registry } : {}),
  });
}
