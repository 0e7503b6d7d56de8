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
import type { Decider } from '../decision/engine.js';
import { SwappablePolicy } from '../decision/policy-handle.js';
import type { DecisionLog } from '../decision-log/decision-log.js';
import { describeDecisionLog, openDecisionLog } from '../decision-log/open.js';
import { createHttpHost, type HttpHost } from '../http/host.js';
import { createModernLeg } from '../http/modern-leg.js';
import { createTokenVerifier } from '../identity/index.js';
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
  /** Reloads the policy from its configured files: the candidate goes live only if it passes every check. */
  reloadPolicy(trigger: 'files' | 'sighup'): Promise<ActivationOutcome>;
  /** The one path into the guard for a new policy (files, SIGHUP, a bundle service). */
  activator: PolicyActivator;
  guard: Taskguard;
  /** The 2026-07-28 face of the same guard: one store, one policy, one audit log for both generations. */
  tasks: TasksExtension;
  audit: AuditLog;
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
  const policy = new SwappablePolicy(await loadFromFiles());
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
  const activator = new PolicyActivator({ handle: policy, audit: audit.log, log });
  activator.started();
  const guard = createTaskguard({
    decider: policy, audit: audit.log, store: opened.store,
    ...(decisionLog ? { observers: [decisionLog.observer] } : {}),
    ...(config.store.kind !== 'memory' ? { leaseMs: config.store.leaseMs } : {}),
    ...(sharedCursorSecret ? { cursorSecret: sharedCursorSecret } : {}),
    onBackgroundError: (err) => log(`task store: ${err.message}`),
    // The client got only the correlation id; the operator gets the cause, under the same id.
    onLocalError: (err, correlationId) => log(`request failed (correlation id ${correlationId}): ${describeError(err)}`),
  });
  // Tasks of an earlier run of this host (or of a host that died) are settled before the first request.
  await guard.ready();
  if (config.demo.tools) registerDemoTools(guard, { workspaceDir: config.demo.workspace });
  // The fixture tools the MCP conformance runner's server scenarios call, in place of the demo tools.
  if (config.demo.conformance) registerConformanceTools(guard);
  const verifier = config.identity.mode === 'dev' ? await devVerifier(config) : createTokenVerifier(config.identity.config);

  const reloadPolicy = (trigger: 'files' | 'sighup'): Promise<ActivationOutcome> => activator.activate(trigger, loadFromFiles);
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
    reloadPolicy, activator, guard, tasks: createTasksExtension(guard), audit: audit.log, decisionLog, verifier,
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
      guard.close();
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
    // Ready: the store answers a read, and the audit log takes records (every operation fails closed without it).
    readiness: async () => ({
      store: await runtime.guard.store.get(randomUUID()).then(() => true, () => false),
      audit: runtime.audit.writable,
    }),
    protectedResource: {
      resource: config.listen.publicUrl,
      ...(config.identity.mode === 'jwt' ? { authorization_servers: [config.identity.config.issuer] } : {}),
      scopes_supported: () => runtime.guard.guard.policy.scopesSupported,
    },
  });
}
