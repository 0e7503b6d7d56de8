import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  CallToolResultSchema, CancelTaskResultSchema, CreateTaskResultSchema, ElicitRequestSchema, GetTaskResultSchema, ListTasksResultSchema,
  type ElicitRequest, type ElicitResult,
} from '@modelcontextprotocol/sdk/types.js';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import type { PolicyHandle } from '../../src/decision/policy-handle.js';
import { createDecider, type Decider } from '../../src/decision/engine.js';
import { readBundle, type PolicyBundle } from '../../src/decision/bundle.js';
import { createHttpHost, type HttpHost, type HttpHostOptions } from '../../src/http/host.js';
import { createTokenVerifier, validateIdentityConfig } from '../../src/identity/index.js';
import type { GuardAuditEntry, GuardAuditSink } from '../../src/guard/audit-port.js';
import { createTaskguard, type Taskguard, type TaskguardOptions } from '../../src/wire/v2025/taskguard.js';
import type { TaskStore } from '../../src/stores/types.js';
import { deepMerge } from '../../src/util/merge.js';
import { Gates } from './gates.js';
import { registerTestTools } from './tools.js';
import { registerDemoTools } from '../../src/host/demo-tools.js';

export const ISSUER = 'https://issuer.taskguard.test';
export const AUDIENCE = 'https://mcp.taskguard.test/mcp';

/** Claims of a test identity; everything optional has a sensible default. */
export interface Who {
  sub: string;
  tenant?: string;
  client?: string;
  scope?: string;
  roles?: string[];
  acr?: string;
  authTimeS?: number;
  act?: { sub: string };
  /** Seconds from now; negative for an expired token. */
  expiresInS?: number;
}

export interface Stack {
  url: string;
  guard: Taskguard;
  host: HttpHost;
  decider: Decider;
  gates: Gates;
  audit: GuardAuditEntry[];
  signingKey: CryptoKey;
  publicJwk: JWK;
  token(who: Who): Promise<string>;
  /** A connected SDK Client authenticated as `who` (or with a raw token). */
  connect(who: Who | { token: string }, options?: ConnectOptions): Promise<GuardedClient>;
  close(): Promise<void>;
}

const ALL_SCOPES = 'reports:read reports:export docs:convert docs:publish workflows:run';

export interface StackOptions {
  /** Deep-merged over the committed policy data. */
  data?: Record<string, unknown>;
  /**
   * A further audit sink (e.g. a file audit log). Every entry still lands in `stack.audit` first, then goes
   * to this sink, in the same order.
   */
  audit?: GuardAuditSink;
  /** 'demo' registers the reference host's demo tools (on `workspaceDir`) instead of the gated test tools. */
  tools?: 'test' | 'demo';
  /** Required with tools: 'demo'. */
  workspaceDir?: string;
  /** The task store (default: a fresh memory store); two stacks on one shared store are two hosts. */
  store?: TaskStore;
  /** Further guard options (lease, instance id, cursor secret...). */
  guard?: Partial<Omit<TaskguardOptions, 'decider' | 'audit' | 'store'>>;
  /** Sign with this key instead of a fresh one, so tokens of one stack verify on another. */
  signing?: { privateKey: CryptoKey; publicJwk: JWK };
  /** Further HTTP host options (origins, session limits...). */
  host?: Partial<Omit<HttpHostOptions, 'verifier' | 'guard' | 'createMcpServer'>>;
  /** Another compiled policy than the committed one (its own data; `data` is merged over it). */
  bundle?: PolicyBundle;
  /** Decide through this handle (a test swaps snapshots on it) instead of a fixed decider built here. */
  policy?: PolicyHandle;
}

export async function newSigningKey(): Promise<{ privateKey: CryptoKey; publicJwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  return { privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid: 'test-key-1', alg: 'ES256', use: 'sig' } };
}

/** The whole thing over real HTTP on 127.0.0.1: a real verifier, the committed policy, the guard, the host. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const { privateKey, publicJwk } = options.signing ?? await newSigningKey();
  const verifier = createTokenVerifier(validateIdentityConfig({ issuer: ISSUER, audience: AUDIENCE, keys: [publicJwk], algorithms: ['ES256'] }));
  const bundle = options.bundle ?? readBundle();
  const decider = options.policy?.current() ?? createDecider(bundle, options.data ? { data: deepMerge(bundle.data, options.data) } : {});
  const audit: GuardAuditEntry[] = [];
  const gates = new Gates();
  const extraSink = options.audit;
  const guard = createTaskguard({
    decider: options.policy ?? decider,
    audit: {
      append: (e) => {
        audit.push(structuredClone(e));
        return extraSink?.append(e);
      },
    },
    sweepIntervalMs: 50,
    ...(options.store ? { store: options.store } : {}),
    ...options.guard,
  });
  await guard.ready();
  if (options.tools === 'demo') {
    if (!options.workspaceDir) throw new Error('startStack: tools "demo" needs a workspaceDir');
    registerDemoTools(guard, { workspaceDir: options.workspaceDir });
  } else {
    registerTestTools(guard, gates);
  }
  // Suites open a session per case on one stack and keep them all: the per-principal cap is lifted for them,
  // and the tests of the caps set their own.
  const host = createHttpHost({
    verifier, guard, createMcpServer: () => new McpServer({ name: 'taskguard-test', version: '1.0.0' }),
    sessions: { maxPerPrincipal: 1000 }, ...options.host,
  });
  const url = await host.listen();
  const clients: Client[] = [];

  const token = async (who: Who): Promise<string> => {
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = {
      tenant: who.tenant ?? 'acme',
      azp: who.client ?? 'reports-agent',
      scope: who.scope ?? ALL_SCOPES,
      roles: who.roles ?? ['analyst'],
      ...(who.acr ? { acr: who.acr } : {}),
      ...(who.authTimeS !== undefined ? { auth_time: who.authTimeS } : {}),
      ...(who.act ? { act: who.act } : {}),
    };
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: 'test-key-1', typ: 'at+jwt' })
      .setIssuer(ISSUER).setAudience(AUDIENCE).setSubject(who.sub)
      .setIssuedAt(now - 5).setExpirationTime(now + (who.expiresInS ?? 600))
      .sign(privateKey);
  };

  const connect = async (who: Who | { token: string }, connectOptions: ConnectOptions = {}): Promise<GuardedClient> => {
    const bearer = 'token' in who ? who.token : await token(who);
    const client = new Client({ name: 'taskguard-test-client', version: '1.0.0' }, connectOptions.onElicit ? { capabilities: { elicitation: { form: {} } } } : {});
    if (connectOptions.onElicit) {
      const answer = connectOptions.onElicit;
      client.setRequestHandler(ElicitRequestSchema, (request) => answer(request));
    }
    const answerToken = connectOptions.answerToken;
    const transport = new StreamableHTTPClientTransport(new URL(url), {
      requestInit: { headers: { Authorization: `Bearer ${bearer}` } },
      ...(answerToken ? { fetch: answeringWith(answerToken) } : {}),
      ...(connectOptions.sessionId ? { sessionId: connectOptions.sessionId } : {}),
    });
    if (!connectOptions.sessionId) await client.connect(transport);
    else await client.connect(transport).catch(() => {});
    clients.push(client);
    return wrap(client, transport);
  };

  return {
    url, guard, host, decider, gates, audit, signingKey: privateKey, publicJwk, token, connect,
    async close() {
      for (const client of clients) await client.close().catch(() => {});
      guard.close();
      await host.close();
    },
  };
}

export interface ConnectOptions {
  sessionId?: string;
  /** Declares the elicitation capability and answers elicitation/create with this. */
  onElicit?: (request: ElicitRequest) => ElicitResult | Promise<ElicitResult>;
  /** Sends answers to the server's requests (POSTed JSON-RPC responses) with this bearer instead. */
  answerToken?: string;
}

/** A fetch that authenticates POSTs carrying a JSON-RPC response (an answer to the server) with `token`. */
function answeringWith(token: string): typeof fetch {
  return (input, init) => {
    const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as Record<string, unknown>) : undefined;
    if (init && body && !('method' in body) && ('result' in body || 'error' in body)) {
      const headers = new Headers(init.headers);
      headers.set('authorization', `Bearer ${token}`);
      return fetch(input, { ...init, headers });
    }
    return fetch(input, init);
  };
}

/** The SDK client plus typed task calls (raw requests: the test controls exactly what is sent). */
export interface GuardedClient {
  client: Client;
  sessionId(): string | undefined;
  call(name: string, args?: Record<string, unknown>): Promise<ReturnType<typeof CallToolResultSchema.parse>>;
  createTask(name: string, args?: Record<string, unknown>, ttl?: number, meta?: Record<string, unknown>): Promise<ReturnType<typeof CreateTaskResultSchema.parse>['task']>;
  getTask(taskId: string): Promise<ReturnType<typeof GetTaskResultSchema.parse>>;
  result(taskId: string): Promise<ReturnType<typeof CallToolResultSchema.parse>>;
  list(cursor?: string): Promise<ReturnType<typeof ListTasksResultSchema.parse>>;
  cancel(taskId: string): Promise<ReturnType<typeof CancelTaskResultSchema.parse>>;
}

export function wrap(client: Client, transport: StreamableHTTPClientTransport): GuardedClient {
  return {
    client,
    sessionId: () => transport.sessionId,
    call: (name, args = {}) => client.request({ method: 'tools/call', params: { name, arguments: args } }, CallToolResultSchema),
    createTask: async (name, args = {}, ttl, meta) => (await client.request({
      method: 'tools/call', params: { name, arguments: args, task: ttl === undefined ? {} : { ttl }, ...(meta ? { _meta: meta } : {}) },
    }, CreateTaskResultSchema)).task,
    getTask: (taskId) => client.request({ method: 'tasks/get', params: { taskId } }, GetTaskResultSchema),
    result: (taskId) => client.request({ method: 'tasks/result', params: { taskId } }, CallToolResultSchema),
    list: (cursor) => client.request({ method: 'tasks/list', params: cursor === undefined ? {} : { cursor } }, ListTasksResultSchema),
    cancel: (taskId) => client.request({ method: 'tasks/cancel', params: { taskId } }, CancelTaskResultSchema),
  };
}

/** Polls tasks/get until the task leaves `working` (or the limit passes). */
export async function waitForStatus(c: GuardedClient, taskId: string, status: string, limitMs = 5000): Promise<void> {
  const until = Date.now() + limitMs;
  for (;;) {
    const task = await c.getTask(taskId);
    if (task.status === status) return;
    if (Date.now() > until) throw new Error(`task ${taskId} is ${task.status}, expected ${status}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
