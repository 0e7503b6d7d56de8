import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { SignJWT } from 'jose';
import { AUDIENCE, ISSUER, type GuardedClient, type Stack } from '../support/stack.js';
import type { Gates } from '../support/gates.js';

/** Shared by the attack catalog: every case asserts a denial AND that nothing changed. */

export const nowS = (): number => Math.floor(Date.now() / 1000);

/** A JSON-RPC error as the SDK client surfaces it, reduced to what went over the wire. */
export interface WireError {
  code: number;
  message: string;
  data: unknown;
}

/** The answer for a task id that does not exist (and for one that is not the caller's). */
export const NOT_FOUND: WireError = { code: -32602, message: 'MCP error -32602: task not found', data: undefined };
export const INVALID_TASK_ID: WireError = { code: -32602, message: 'MCP error -32602: invalid task id', data: undefined };
export const INVALID_CURSOR: WireError = { code: -32602, message: 'MCP error -32602: invalid cursor', data: undefined };
export const accessDenied = (...reasons: string[]): WireError => ({ code: -32003, message: 'MCP error -32003: access denied', data: { reasons } });

/** Awaits a request that must fail with a JSON-RPC error, and returns that error. */
export async function rpcError(promise: Promise<unknown>): Promise<WireError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof McpError, `expected a JSON-RPC error, got ${String(err)}`);
    return { code: err.code, message: err.message, data: err.data };
  }
  assert.fail('expected the request to fail');
}

export type TaskOp = 'getTask' | 'result' | 'cancel';
export const TASK_OPS: readonly TaskOp[] = ['getTask', 'result', 'cancel'];

/**
 * The attacker's answer on each of tasks/get, result and cancel for `taskId`, next to its answer for a UUID
 * that never existed: both must be identical (code, message and data), and be "task not found".
 */
export async function assertAnswersLikeUnknown(attacker: GuardedClient, taskId: string, ops: readonly TaskOp[] = TASK_OPS): Promise<void> {
  for (const op of ops) {
    const replayed = await rpcError(attacker[op](taskId));
    const unknown = await rpcError(attacker[op](randomUUID()));
    assert.deepEqual(replayed, unknown, `${op}: the answer for someone else's task differs from the one for a task that never existed`);
    assert.deepEqual(replayed, NOT_FOUND, `${op}`);
  }
}

/** What the victim sees of its own task, list and the lifecycle log, before an attack. */
export interface Snapshot {
  task: Awaited<ReturnType<GuardedClient['getTask']>>;
  list: Awaited<ReturnType<GuardedClient['list']>>;
  lifecycle: number;
  sessions: number;
}

export function lifecycleCount(stack: Stack): number {
  return stack.audit.filter((e) => e.kind === 'lifecycle').length;
}

export async function snapshot(stack: Stack, victim: GuardedClient, taskId: string): Promise<Snapshot> {
  return { task: await victim.getTask(taskId), list: await victim.list(), lifecycle: lifecycleCount(stack), sessions: stack.host.sessions() };
}

/**
 * Nothing the attack did is visible: the victim reads its task exactly as before (status, statusMessage,
 * lastUpdatedAt, ttl...), lists the same tasks, no lifecycle record was written, no session came or went,
 * and, when the task's tool waits at `gate`, it was not aborted.
 */
export async function assertUnchanged(stack: Stack, victim: GuardedClient, taskId: string, before: Snapshot, gate?: string): Promise<void> {
  const task = await victim.getTask(taskId);
  assert.deepEqual(task, before.task, 'the victim\'s task changed');
  assert.equal(task.status, before.task.status);
  assert.equal(task.statusMessage, before.task.statusMessage);
  assert.equal(task.lastUpdatedAt, before.task.lastUpdatedAt);
  assert.deepEqual(await victim.list(), before.list, 'the victim\'s tasks/list changed');
  assert.equal(lifecycleCount(stack), before.lifecycle, 'the attack wrote a lifecycle record');
  assert.equal(stack.host.sessions(), before.sessions, 'the attack opened or closed a session');
  if (gate !== undefined) assert.equal(stack.gates.aborted.has(gate), false, 'the attack aborted the running tool');
}

/** The victim can still cancel its task, and the cancel really stops the tool waiting at `gate`. */
export async function assertVictimCancels(stack: Stack, victim: GuardedClient, taskId: string, gate: string): Promise<void> {
  const cancelled = await victim.cancel(taskId);
  assert.equal(cancelled.status, 'cancelled');
  await waitUntil(() => stack.gates.aborted.has(gate));
  assert.equal((await victim.getTask(taskId)).status, 'cancelled');
}

/** Polls a condition (no fixed sleeps: returns as soon as it holds). */
export async function waitUntil(check: () => boolean, limitMs = 5000): Promise<void> {
  const until = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * Whether a tool ever waited at `name`. `Gates.started` resolves at once for a gate a tool reached, so a
 * turn of the event loop tells the two apart; only meaningful once the work that would reach it has ended.
 */
export async function gateReached(gates: Gates, name: string): Promise<boolean> {
  return Promise.race([gates.started(name).then(() => true), new Promise<boolean>((r) => setImmediate(() => r(false)))]);
}

/** A unique gate name per case. */
let gateCounter = 0;
export function gateName(label: string): string {
  gateCounter += 1;
  return `${label}-${gateCounter}-${randomUUID().slice(0, 8)}`;
}

/** A raw HTTP exchange, to see status lines and headers the SDK client hides. */
export interface RawAnswer {
  status: number;
  wwwAuthenticate: string | null;
  contentType: string | null;
  text: string;
}

export async function raw(stack: Stack, request: {
  method?: 'POST' | 'GET' | 'DELETE';
  authorization?: string;
  sessionId?: string;
  body?: unknown;
}): Promise<RawAnswer> {
  const method = request.method ?? 'POST';
  const headers: Record<string, string> = {
    accept: method === 'GET' ? 'text/event-stream' : 'application/json, text/event-stream',
    'mcp-protocol-version': '2025-11-25',
  };
  if (method === 'POST') headers['content-type'] = 'application/json';
  if (request.authorization !== undefined) headers['authorization'] = request.authorization;
  if (request.sessionId !== undefined) headers['mcp-session-id'] = request.sessionId;
  const res = await fetch(stack.url, {
    method,
    headers,
    ...(method === 'POST' ? { body: JSON.stringify(request.body) } : {}),
  });
  return { status: res.status, wwwAuthenticate: res.headers.get('www-authenticate'), contentType: res.headers.get('content-type'), text: await res.text() };
}

export const INITIALIZE = {
  jsonrpc: '2.0', id: 1, method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'attacker', version: '1.0.0' } },
};

/** A token signed with the stack's real key, with the claims an attacker would like to control. */
export async function mint(stack: Stack, overrides: { sub?: string; iss?: string; aud?: string | string[]; claims?: Record<string, unknown> } = {}): Promise<string> {
  const now = nowS();
  return new SignJWT({
    tenant: 'acme', azp: 'reports-agent', scope: 'reports:read reports:export docs:convert docs:publish workflows:run', roles: ['analyst'],
    ...overrides.claims,
  })
    .setProtectedHeader({ alg: 'ES256', kid: 'test-key-1', typ: 'at+jwt' })
    .setIssuer(overrides.iss ?? ISSUER).setAudience(overrides.aud ?? AUDIENCE).setSubject(overrides.sub ?? 'alice')
    .setIssuedAt(now - 5).setExpirationTime(now + 600)
    .sign(stack.signingKey);
}

export const b64url = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
export const fromB64url = (text: string): Record<string, unknown> => JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Record<string, unknown>;

/** Splits a compact JWS into its three parts. */
export function parts(token: string): [string, string, string] {
  const [h, p, s] = token.split('.');
  assert.ok(h !== undefined && p !== undefined && s !== undefined, 'a compact JWS');
  return [h, p, s];
}
