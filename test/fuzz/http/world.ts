import { randomUUID } from 'node:crypto';
import assert from 'node:assert/strict';
import { startStack, waitForStatus, type GuardedClient, type Stack, type Who } from '../../support/stack.js';
import { ATTACKER_NAMES, ATTACKERS, type AttackerName, type BadCredential, type OwnerTask } from './callers.js';
import { Ledger } from './ledger.js';
import { createRawClient, messagesOf, type RawRequest } from './raw-http.js';

/** Long enough for any fuzz run: an expired token would turn the rest of a run into 401s. */
const TOKEN_LIFETIME_S = 6 * 3600;
const OWNER: Who = { sub: 'alice', tenant: 'acme', client: 'reports-agent', acr: 'urn:example:mfa', expiresInS: TOKEN_LIFETIME_S };

export const HELD_GATE = 'fuzz-owner-held';

export interface Attacker {
  token: string;
  session: string | undefined;
  /** The last nextCursor tasks/list gave this caller. */
  cursor: string | undefined;
}

export interface World {
  stack: Stack;
  url: URL;
  send: ReturnType<typeof createRawClient>['send'];
  attackers: Record<AttackerName, Attacker>;
  bad: Record<BadCredential, string | undefined>;
  owner: { client: GuardedClient; token: string; session: string; tasks: Record<OwnerTask, string>; cursor: string };
  /** Whose each task created during the run is, as the answers said. */
  ledger: Ledger;
  /** Every bearer token that exists in this world: none may appear in any answer. */
  tokens: string[];
  /** Opens a session for `name` (again, after the fuzz deleted it). */
  openSession(name: AttackerName): Promise<void>;
  close(): Promise<void>;
}

/** A guarded host on 127.0.0.1 with the gated test tools, alice's tasks in every state, and the attackers' sessions. */
export async function createWorld(): Promise<World> {
  // The limits would turn most of a long run into -32005 / -32006; they have their own tests.
  const stack = await startStack({ data: { limits: { operations_per_minute: 100_000_000, live_tasks_per_principal: 100_000_000 } } });
  const raw = createRawClient(stack.url);
  try {
    return await populate(stack, raw);
  } catch (err) {
    // A world half built still holds a listening host and a running tool: never leave them to keep the process alive.
    stack.gates.release(HELD_GATE);
    raw.close();
    await stack.close();
    throw err;
  }
}

async function populate(stack: Stack, raw: ReturnType<typeof createRawClient>): Promise<World> {
  const url = new URL(stack.url);
  const nowS = Math.floor(Date.now() / 1000);

  const ownerToken = await stack.token({ ...OWNER, authTimeS: nowS });
  const owner = await stack.connect({ token: ownerToken });
  const tasks = await createOwnerTasks(stack, owner);
  for (let i = 0; i < 50; i++) await owner.createTask('convert_document', { text: `filler ${i}` });
  const cursor = (await owner.list()).nextCursor;
  assert.ok(cursor, 'alice has more than one page of tasks');
  const session = owner.sessionId();
  assert.ok(session);

  const attackers = {} as Record<AttackerName, Attacker>;
  for (const name of ATTACKER_NAMES) {
    attackers[name] = { token: await stack.token({ ...ATTACKERS[name], authTimeS: nowS, expiresInS: TOKEN_LIFETIME_S }), session: undefined, cursor: undefined };
  }
  const bad = await badCredentials(stack, ownerToken);

  const openSession = async (name: AttackerName): Promise<void> => {
    const attacker = attackers[name];
    attacker.session = await initialize(raw.send, url, attacker.token);
  };
  for (const name of ATTACKER_NAMES) await openSession(name);

  return {
    stack, url, send: raw.send, attackers, bad, openSession, ledger: new Ledger(),
    owner: { client: owner, token: ownerToken, session, tasks, cursor },
    tokens: [ownerToken, ...Object.values(attackers).map((a) => a.token), ...Object.values(bad).map((t) => t?.replace(/^\S+ /, '') ?? '').filter((t) => t.length > 40)],
    async close() {
      stack.gates.release(HELD_GATE);
      raw.close();
      await stack.close();
    },
  };
}

async function createOwnerTasks(stack: Stack, owner: GuardedClient): Promise<Record<OwnerTask, string>> {
  const exported = await owner.createTask('export_data', { rows: 3 });
  const working = await owner.createTask('convert_document', { text: 'held', gate: HELD_GATE });
  const converted = await owner.createTask('convert_document', { text: 'converted' });
  const approval = await owner.createTask('approve_publication', { title: 'q3 report' });
  const cancelGate = `fuzz-owner-cancel-${randomUUID()}`;
  const cancelled = await owner.createTask('export_data', { rows: 1, gate: cancelGate });
  await stack.gates.started(cancelGate);
  await owner.cancel(cancelled.taskId);
  await stack.gates.started(HELD_GATE);
  await waitForStatus(owner, exported.taskId, 'completed');
  await waitForStatus(owner, converted.taskId, 'completed');
  await waitForStatus(owner, approval.taskId, 'input_required');
  return {
    'export-completed': exported.taskId,
    'convert-working': working.taskId,
    'convert-completed': converted.taskId,
    'approve-input': approval.taskId,
    'export-cancelled': cancelled.taskId,
  };
}

async function badCredentials(stack: Stack, ownerToken: string): Promise<Record<BadCredential, string | undefined>> {
  const expired = await stack.token({ sub: 'mallory', expiresInS: -120 });
  const [h, p, s] = ownerToken.split('.') as [string, string, string];
  const forgedPayload = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString('utf8')), sub: 'mallory' })).toString('base64url');
  const noneHeader = Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url');
  return {
    none: undefined,
    empty: 'Bearer ',
    garbage: 'Bearer not-a-token',
    expired: `Bearer ${expired}`,
    'forged-signature': `Bearer ${h}.${forgedPayload}.${s}`,
    'alg-none': `Bearer ${noneHeader}.${p}.`,
    'owner-truncated': `Bearer ${ownerToken.slice(0, -6)}`,
    basic: `Basic ${Buffer.from('alice:secret').toString('base64')}`,
  };
}

/** The handshake a client makes: initialize, then notifications/initialized; returns the session id. */
export async function initialize(send: World['send'], url: URL, token: string): Promise<string> {
  const headers = (session?: string): RawRequest['headers'] => [
    ['content-type', 'application/json'], ['accept', 'application/json, text/event-stream'], ['authorization', `Bearer ${token}`],
    ...(session ? [['mcp-session-id', session] as const, ['mcp-protocol-version', '2025-11-25'] as const] : []),
  ];
  const init = await send({
    method: 'POST', path: url.pathname, headers: headers(),
    body: Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'fuzz', version: '1.0.0' } } })),
  }, 10_000);
  const session = init.headers['mcp-session-id'];
  assert.ok(init.status === 200 && session, `initialize failed: ${init.status} ${JSON.stringify(messagesOf(init))}`);
  const done = await send({ method: 'POST', path: url.pathname, headers: headers(session), body: Buffer.from(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })) }, 10_000);
  assert.equal(done.status, 202);
  return session;
}
