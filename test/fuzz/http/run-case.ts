import { isRecord } from '../../../src/decision/parse.js';
import type { Finding } from '../findings.js';
import type { Checked } from '../fuzz-loop.js';
import type { FuzzCase } from './cases.js';
import { bindingFindings, twinOf } from './binding.js';
import { findingsFor, MAY_STAY_OPEN, outcomeOf } from './oracle.js';
import { messagesOf, type RawRequest, type RawResponse } from './raw-http.js';
import { render, type Facts } from './render.js';
import type { World } from './world.js';

/** How long an answer that may stay open (a waiting tasks/result, a GET stream) is given before it is cut. */
const OPEN_STREAM_WAIT_MS = 400;
/** Any other answer: far beyond what a request takes, so only a host that hangs reaches it. */
const ANSWER_WAIT_MS = 15_000;

/** Sends one case, checks the answer, and keeps the world's bookkeeping (own tasks, cursors, sessions) current. */
export async function runCase(c: FuzzCase, world: World): Promise<Checked> {
  const { request, facts } = render(c, world);
  const waitMs = MAY_STAY_OPEN.has(facts.label) ? OPEN_STREAM_WAIT_MS : ANSWER_WAIT_MS;
  const response = await world.send(request, waitMs);
  const findings = findingsFor(facts, response, world.tokens);
  const twin = twinOf(request, world);
  findings.push(...bindingFindings(facts, request, response, twin && (await world.send(twin, waitMs)), world));
  if (facts.attacker !== undefined) findings.push(...await keepBooks(c, facts, response, world));
  return { row: facts.label, outcome: outcomeOf(response), findings, printed: printRequest(c, request) };
}

async function keepBooks(c: FuzzCase, facts: Facts, response: RawResponse, world: World): Promise<Finding[]> {
  const name = facts.attacker as NonNullable<Facts['attacker']>;
  const attacker = world.attackers[name];
  const found = world.ledger.observe(name, facts, response);
  for (const message of messagesOf(response)) {
    const result = isRecord(message) ? message['result'] : undefined;
    if (isRecord(result) && typeof result['nextCursor'] === 'string' && Array.isArray(result['tasks'])) attacker.cursor = result['nextCursor'];
  }
  // An initialize opened a further session: close it, so a long run does not pile sessions up.
  const opened = response.headers['mcp-session-id'];
  if (opened && opened !== attacker.session && opened !== world.owner.session) {
    await world.send({ method: 'DELETE', path: world.url.pathname, headers: [['authorization', `Bearer ${attacker.token}`], ['mcp-session-id', opened]] }, ANSWER_WAIT_MS);
  }
  if (!facts.ownSession) return found;
  if (c.http === 'DELETE' && response.status === 200) {
    await world.openSession(name);
  } else if (facts.hostAllowed && !facts.foreignOrigin && response.status === 404 && /session not found/i.test(response.body)) {
    found.push({ kind: 'own session gone although nobody deleted it', where: facts.label, detail: `http ${response.status} ${response.body.slice(0, 200)}` });
    await world.openSession(name);
  }
  return found;
}

/** The request as sent, for a report: method, path, headers (the bearer named by whose it is), body. */
function printRequest(c: FuzzCase, request: RawRequest): string {
  const named = (k: string, v: string): string => {
    if (k === 'authorization') return `<${c.who}>`;
    if (k === 'mcp-session-id' && ['own', 'owner', 'other-attacker'].includes(c.session)) return `<${c.session === 'owner' ? 'alice\'s' : c.session} session>`;
    return v.length > 80 ? `${v.slice(0, 80)}…` : v;
  };
  const headers = request.headers.map(([k, v]) => `${k}: ${named(k, v)}`);
  const body = request.body?.toString('utf8') ?? '';
  const shown = body.length > 400 ? `${body.slice(0, 400)}… (${body.length} bytes)` : body;
  return `${request.method} ${request.path} [${headers.join('; ')}] ${shown}`;
}
