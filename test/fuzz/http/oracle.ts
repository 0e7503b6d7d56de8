import { isRecord } from '../../../src/decision/parse.js';
import type { Finding } from '../findings.js';
import { envelopeOf, expectedCode } from './envelope.js';
import { leaksIn } from './leaks.js';
import { messagesOf, type RawResponse } from './raw-http.js';
import type { Facts } from './render.js';

/**
 * Every code an answer may carry. The fuzz only sends client mistakes and valid requests, so -32603 (a
 * local failure) is never right; a valid request may still be refused for what it asks.
 */
const EXPECTED_CODES = new Map<number, string>([
  [-32700, 'parse error'], [-32600, 'invalid request'], [-32601, 'method not found'], [-32602, 'invalid params'],
  [-32000, 'transport refusal (Accept, Content-Type, session, protocol version)'], [-32001, 'unauthenticated / session not found'],
  [-32003, 'access denied'], [-32004, 'step-up required'], [-32005, 'rate limited'], [-32006, 'live-task cap'], [-32007, 'token expired while waiting'],
  // What tasks/result hands back for a task that was cancelled: the task's outcome, not an answer about this request.
  [-32800, 'task cancelled (tasks/result)'],
]);

/** Methods whose answer may legitimately stay open: a result waits for its task, a GET is a notification stream. */
export const MAY_STAY_OPEN: ReadonlySet<string> = new Set(['tasks/result', 'HTTP GET']);

/** Everything that is wrong with one answer. */
export function findingsFor(facts: Facts, response: RawResponse, tokens: readonly string[]): Finding[] {
  const found: Finding[] = [];
  const label = facts.label;
  const messages = messagesOf(response).filter(isRecord);
  const errors = messages.filter((m) => isRecord(m['error'])).map((m) => ({ id: m['id'], ...(m['error'] as { code?: unknown; message?: unknown }) }));
  const results = messages.filter((m) => 'result' in m && !('method' in m));
  const got = describe(response, errors);

  if (response.status >= 500) found.push({ kind: `http ${response.status}`, where: label, detail: got });
  for (const e of errors) {
    if (e.code === -32603) found.push({ kind: `-32603 for a client mistake: ${signature(e.message)}`, where: label, detail: got });
    else if (typeof e.code !== 'number' || !EXPECTED_CODES.has(e.code) || (e.code === -32800 && label !== 'tasks/result')) {
      found.push({ kind: `unexpected error code ${String(e.code)}`, where: label, detail: got });
    }
  }
  found.push(...leaksIn(response, facts.text, tokens, label));
  if (response.timedOut && !MAY_STAY_OPEN.has(label)) found.push({ kind: 'no answer', where: label, detail: got });

  if (facts.attacker === undefined && (results.length > 0 || (response.status >= 200 && response.status < 300))) {
    found.push({ kind: 'a request without a valid bearer token served', where: label, detail: got });
  }
  if (facts.foreignOrigin && response.status !== 403) found.push({ kind: 'foreign Origin not refused with 403', where: label, detail: got });
  const reachesJsonRpc = facts.hostAllowed && !facts.foreignOrigin && facts.attacker !== undefined && facts.conformingTransport;
  if (facts.body.kind === 'batch' && facts.hostAllowed && !facts.foreignOrigin) {
    if (results.length > 0 || response.status < 400) found.push({ kind: 'JSON-RPC batch served, not refused', where: label, detail: got });
    else if (reachesJsonRpc && facts.ownSession && !errors.some((e) => e.code === -32600)) found.push({ kind: 'JSON-RPC batch refused without -32600', where: label, detail: got });
  }
  if (!reachesJsonRpc) return found;

  if (facts.body.kind === 'not-json' && !(response.status === 400 && errors.some((e) => e.code === -32700))) {
    found.push({ kind: 'a body that is not JSON not answered 400 / -32700', where: label, detail: got });
  }
  if (facts.body.kind !== 'single') return found;
  const envelope = envelopeOf(facts.body.value);
  if (envelope.kind === 'request') {
    // A request id the host could read: every error about it must carry it (JSON-RPC 2.0 section 5).
    const wrongId = errors.find((e) => JSON.stringify(e.id) !== JSON.stringify(envelope.id));
    if (wrongId) found.push({ kind: `error answer without the request's id: ${signature(wrongId.message)}`, where: label, detail: got });
  }
  if (!facts.ownSession) return found;

  const expected = expectedCode(envelope, facts.attacker === 'alice-via-evil-svc');
  if (expected && !response.timedOut && !errors.some((e) => expected.codes.includes(e.code as number))) {
    found.push({ kind: `${expected.why}: expected ${expected.codes.join(' or ')}`, where: label, detail: got });
  }
  if (envelope.kind === 'request' && response.status === 200 && !response.timedOut && !messages.some((m) => JSON.stringify(m['id']) === JSON.stringify(envelope.id) && !('method' in m))) {
    found.push({ kind: 'request answered with nothing', where: label, detail: got });
  }
  return found;
}

/** An error message as a class: its words, without numbers and ids; a serialized zod issue list as such. */
function signature(message: unknown): string {
  const text = String(message ?? '');
  if (/^\s*\[\s*\{/.test(text) && /"code"/.test(text)) return 'message is a zod issue list';
  return `\`${text.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, 'ID').replace(/\d+/g, 'N').slice(0, 80)}\``;
}

function describe(response: RawResponse, errors: ReadonlyArray<{ id: unknown; code?: unknown; message?: unknown }>): string {
  const first = errors[0];
  const error = first ? ` ${String(first.code)} ${JSON.stringify(String(first.message ?? '')).slice(0, 300)} id ${JSON.stringify(first.id)}` : '';
  const open = response.timedOut ? ' (stream left open)' : '';
  return `http ${response.status}${error}${open}${error ? '' : ` ${JSON.stringify(response.body.slice(0, 200))}`}`;
}

/** The outcome column of the closing table: HTTP status, then the JSON-RPC error code or `result`. */
export function outcomeOf(response: RawResponse): string {
  const messages = messagesOf(response).filter(isRecord);
  const error = messages.find((m) => isRecord(m['error']))?.['error'] as { code?: unknown } | undefined;
  const kind = error ? String(error.code) : messages.some((m) => 'result' in m) ? 'result' : response.timedOut ? 'open' : 'no body';
  return `${response.status} ${kind}`;
}
