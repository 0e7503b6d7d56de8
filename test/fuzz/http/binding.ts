import { isRecord } from '../../../src/decision/parse.js';
import type { Finding } from '../findings.js';
import { messagesOf, type RawRequest, type RawResponse } from './raw-http.js';
import { NO_SUCH_CURSOR, NO_SUCH_SESSION, NO_SUCH_TASK } from './refs.js';
import type { Facts } from './render.js';
import type { World } from './world.js';

/**
 * Alice's task ids, session and list cursor, each with what stands in for it in a twin request: something of
 * the same shape that does not exist. No other caller may learn from an answer which of the two it named.
 */
function stakes(world: World): Array<[real: string, standIn: string]> {
  return [
    ...Object.values(world.owner.tasks).map((id): [string, string] => [id, NO_SUCH_TASK]),
    [world.owner.session, NO_SUCH_SESSION],
    [world.owner.cursor, NO_SUCH_CURSOR],
  ];
}

/** The same request with each of alice's things replaced by its stand-in; undefined when it names none. */
export function twinOf(request: RawRequest, world: World): RawRequest | undefined {
  let changed = false;
  const swap = (text: string): string => stakes(world).reduce((t, [real, standIn]) => {
    if (!t.includes(real)) return t;
    changed = true;
    return t.split(real).join(standIn);
  }, text);
  const headers = request.headers.map(([k, v]) => [k, swap(v)] as const);
  // Only a POST body is read; a twin that differed only there would be the same request again.
  const body = request.body === undefined || request.method !== 'POST' ? request.body : Buffer.from(swap(request.body.toString('utf8')));
  return changed ? { ...request, headers, ...(body === undefined ? {} : { body }) } : undefined;
}

/** Differences between the answers to a request about alice's things and to its twin about nothing. */
export function bindingFindings(facts: Facts, request: RawRequest, response: RawResponse, twin: RawResponse | undefined, world: World): Finding[] {
  const found: Finding[] = [];
  const answer = `${JSON.stringify(response.headers)}${response.body}`;
  const shown = stakes(world).map(([real]) => real).find((real) => answer.includes(real) && !facts.text.includes(real));
  if (shown !== undefined) found.push({ kind: 'alice\'s task id, session or cursor shown to another caller', where: facts.label, detail: `answer holds ${shown.slice(0, 12)}…` });
  const results = messagesOf(response).filter((m) => isRecord(m) && 'result' in m && !('method' in m));
  // On alice's session nothing may be served; in one request naming her task or cursor, that request may
  // not be (a batch can hold other requests, which are the batch finding's business).
  const onHerSession = request.headers.some(([k, v]) => k === 'mcp-session-id' && v === world.owner.session);
  const namesHers = facts.body.kind === 'single' && stakes(world).some(([real]) => facts.text.includes(real));
  if (results.length > 0 && (onHerSession || namesHers)) {
    found.push({ kind: 'a request about alice\'s task or session served to another caller', where: facts.label, detail: JSON.stringify(results).slice(0, 300) });
  }
  if (twin && !response.timedOut && !twin.timedOut && comparable(response) !== comparable(twin)) {
    found.push({ kind: 'alice\'s task, session or cursor answered unlike one that does not exist', where: facts.label, detail: `${comparable(response).slice(0, 250)} vs ${comparable(twin).slice(0, 250)}` });
  }
  return found;
}

/** What a caller can tell apart: the status, the content type and every message (ids, codes, texts, data). */
function comparable(response: RawResponse): string {
  return JSON.stringify([response.status, response.headers['content-type'] ?? '', messagesOf(response)]);
}
