import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { stringify } from 'yaml';
import { loadHostConfig } from '../../../src/config/host-config.js';
import { mintDevToken } from '../../../src/host/dev-identity.js';
import { createHostRuntime, createReferenceDiagnostics, createReferenceHttp, type HostRuntime } from '../../../src/host/reference-host.js';
import type { HttpHost } from '../../../src/http/host.js';
import type { DiagnosticServer } from '../../../src/metrics/diagnostic-server.js';
import { defaultPolicyDir } from '../../../src/util/paths.js';
import { freePort } from '../../e2e/support/host-process.js';
import { connect } from '../../e2e/support/sdk.js';
import { tempDir } from '../../support/temp-policy.js';

export interface MetricsHost {
  /** The MCP endpoint. */
  url: string;
  /** The MCP listener's base url (where /metrics is when no diagnostic listener is configured). */
  base: string;
  /** The diagnostic listener's base url, when configured. */
  diagnosticsBase: string | undefined;
  runtime: HostRuntime;
  http: HttpHost;
  /** The first step of shutdown, as `taskguard serve` takes it: the MCP host drains, both listeners say so. */
  drain(): void;
  /** What the host logged for the operator, in order. */
  logs: string[];
  /** The policy data file the host reads (policy.data): rewrite it and reload. */
  dataFile: string;
  /** A dev token for `sub` (tenant `tenant`, every demo scope). */
  token(sub: string, tenant?: string): Promise<string>;
  /** A real SDK client (2025-11-25) with that token. */
  connect(sub: string, tenant?: string): Promise<Client>;
  stop(): Promise<void>;
}

const SCOPES = ['reports:read', 'reports:export', 'docs:convert', 'docs:publish', 'workflows:run'];

/**
 * The reference host as `taskguard serve` builds it, from a config file (`config` over a memory store and a
 * free port; `listen` merges), with the committed policy data copied to a file of its own.
 */
export async function startMetricsHost(config: Record<string, unknown> = {}): Promise<MetricsHost> {
  const dir = tempDir('taskguard-metrics-');
  const dataFile = path.join(dir, 'data.yaml');
  copyFileSync(path.join(defaultPolicyDir, 'data.yaml'), dataFile);
  const file = path.join(dir, 'taskguard.yaml');
  // A real port: the token audience and the Host allow-list name it.
  const port = await freePort();
  const { listen, ...rest } = config;
  writeFileSync(file, stringify({
    state_dir: 'state', store: { kind: 'memory' }, policy: { data: dataFile }, ...rest,
    listen: { port, allowed_hosts: [`127.0.0.1:${port}`], ...(listen as Record<string, unknown> | undefined) },
  }));
  const logs: string[] = [];
  const runtime = await createHostRuntime(loadHostConfig(file), (line) => void logs.push(line));
  const http = createReferenceHttp(runtime);
  const url = await http.listen();
  let draining = false;
  const diagnostics: DiagnosticServer | undefined = createReferenceDiagnostics(runtime, () => draining);
  const diagnosticsBase = diagnostics ? await diagnostics.listen() : undefined;
  const clients: Client[] = [];
  const token = (sub: string, tenant = 'acme'): Promise<string> =>
    mintDevToken(runtime.config, { sub, tenant, client: 'reports-agent', scopes: SCOPES, roles: ['analyst'], ttlS: 600 });
  return {
    url, base: new URL(url).origin, diagnosticsBase, runtime, http, dataFile, token, logs,
    connect: async (sub, tenant) => connect(url, await token(sub, tenant), clients),
    drain() {
      draining = true;
      http.drain();
    },
    async stop() {
      for (const client of clients) await client.close().catch(() => {});
      draining = true;
      http.drain();
      await runtime.settle(() => {});
      await http.close();
      await diagnostics?.close();
    },
  };
}
