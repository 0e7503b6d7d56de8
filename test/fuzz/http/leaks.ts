import type { Finding } from '../findings.js';
import type { RawResponse } from './raw-http.js';

/**
 * What must never reach a client: internal details of the host (DESIGN.md section 6). A match that the
 * request itself contains is the client's own text repeated (a lookup echoes its query, say), not a leak.
 */
const INTERNAL_DETAILS: ReadonlyArray<readonly [kind: string, pattern: RegExp]> = [
  ['file system path in an answer', /(?<![\w.])(?:\/(?:home|tmp|work|usr|var|root|opt|etc|proc|srv|mnt|Users|private|app)\/[\w.\-/]*|[A-Za-z]:\\\\[\w\\.]+|file:\/\/\/[\w/.-]*)/g],
  ['file system path in an answer', /node_modules[\w/.-]*/g],
  ['stack trace in an answer', /(?:\\n|\n)\s*at\s+[\w$.<>[\] ]+\(?[\w:/.-]*/g],
  ['stack trace in an answer', /\b[\w-]+\.(?:ts|js|mjs|cjs):\d+(?::\d+)?/g],
  ['store or network detail in an answer', /sqlstate|SQLITE_[A-Z_]+|\bE(?:CONN[A-Z]+|ADDR[A-Z]+|NOTFOUND|PIPE|TIMEDOUT|NOENT|ACCES|ISDIR|MFILE)\b|better-sqlite3|\bpg_[a-z_]+/gi],
  ['zod dump in an answer', /\\*"code\\*"\s*:\s*\\*"(?:invalid_type|invalid_union|invalid_value|invalid_literal|too_small|too_big|unrecognized_keys|invalid_format|invalid_string|invalid_enum_value|invalid_key|invalid_element|not_multiple_of|custom)\\*"/g],
  ['zod dump in an answer', /ZodError|\$ZodError/g],
];

/** Leaks in one answer (body and every header), given the request text and every bearer token in use. */
export function leaksIn(response: RawResponse, requestText: string, tokens: readonly string[], label: string): Finding[] {
  const answer = `${Object.entries(response.headers).map(([k, v]) => `${k}: ${v}`).join('\n')}\n\n${response.body}`;
  const found: Finding[] = [];
  for (const token of tokens) {
    // The whole token, and its signature and claims parts: any of them lets a reader replay or inspect it.
    const pieces = [token, ...token.split('.').slice(1).filter((p) => p.length >= 40)];
    const piece = pieces.find((p) => answer.includes(p) && !requestText.includes(p));
    if (piece !== undefined) found.push({ kind: 'bearer token in an answer', where: label, detail: `answer holds ${piece.slice(0, 16)}…` });
  }
  for (const [kind, pattern] of INTERNAL_DETAILS) {
    for (const match of answer.matchAll(pattern)) {
      const text = match[0];
      if (requestText.includes(text) || requestText.toUpperCase().includes(text)) continue;
      found.push({ kind, where: label, detail: `${quote(answer, match.index ?? 0)}` });
      break;
    }
  }
  return found;
}

function quote(text: string, at: number): string {
  return JSON.stringify(text.slice(Math.max(0, at - 60), at + 120));
}
