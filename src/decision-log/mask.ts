import * as crypto from 'node:crypto';
import { isRecord } from '../decision/parse.js';
import { TaskguardError } from '../errors.js';
import type { EventV1 } from './event.js';
import { parsePointer, UNRESOLVED, valueAt, withValue, without, type ParsedPointer } from './pointer.js';

export type MaskRule =
  | { op: 'remove'; path: string; at: ParsedPointer }
  | { op: 'upsert'; path: string; at: ParsedPointer; value: unknown }
  /** taskguard's own: the value replaced by a digest of itself (listed in `masked`, as an upsert is). */
  | { op: 'hash'; path: string; at: ParsedPointer };

/**
 * The result set of a `mask` rule, read as OPA reads `system.log.mask`: undefined is no masks; otherwise a
 * set (an array here) of JSON pointer strings, which remove, and `{op: remove|upsert, path, value}` objects.
 * Anything else throws, and the caller drops the event: a mask that cannot be read never lets one through.
 */
export function parseMaskResult(resultSet: unknown): MaskRule[] {
  const value = singleResult(resultSet, 'mask');
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalid('mask must be a set of pointers and mask objects');
  return value.map((entry): MaskRule => {
    if (typeof entry === 'string') return { op: 'remove', path: entry, at: pointer(entry) };
    if (!isRecord(entry)) throw invalid('a mask entry must be a pointer or an object');
    const op = entry['op'] ?? 'remove';
    const path = entry['path'];
    if (typeof path !== 'string') throw invalid('a mask object needs a string path');
    if (op === 'remove') return { op, path, at: pointer(path) };
    if (op === 'upsert') return { op, path, at: pointer(path), value: entry['value'] ?? null };
    throw invalid(`mask op is not supported: ${String(op)}`);
  });
}

/** The result set of a `drop` rule: true drops; undefined or false keeps; anything else throws. */
export function parseDropResult(resultSet: unknown): boolean {
  const value = singleResult(resultSet, 'drop');
  if (value === undefined || value === false) return false;
  if (value === true) return true;
  throw invalid('drop must be true or false');
}

/** Config pointers: `hash` ones become digests, `erase` ones are removed. Checked when the config loads. */
export function configMaskRules(config: { hash: readonly string[]; erase: readonly string[] }): MaskRule[] {
  return [
    ...config.erase.map((path): MaskRule => ({ op: 'remove', path, at: pointer(path) })),
    ...config.hash.map((path): MaskRule => ({ op: 'hash', path, at: pointer(path) })),
  ];
}

/**
 * Applies `rules` in order, as OPA's maskRuleSet does: a path that does not resolve is skipped and not listed;
 * every applied rule is listed in `erased` (remove) or `masked` (upsert, hash) under its pointer.
 */
export function applyMask(event: EventV1, rules: readonly MaskRule[]): void {
  for (const rule of rules) {
    const { part, rest } = rule.at;
    const current = event[part];
    if (current === undefined) continue;
    if (rule.op === 'remove') {
      if (rest.length === 0) delete event[part];
      else {
        const next = without(current, rest);
        if (next === UNRESOLVED) continue;
        event[part] = next;
      }
      (event.erased ??= []).push(rule.path);
      continue;
    }
    let value: unknown;
    if (rule.op === 'hash') {
      const original = rest.length === 0 ? current : valueAt(current, rest);
      if (original === UNRESOLVED) continue;
      value = digestOf(original);
    } else {
      value = rule.value;
    }
    if (rest.length === 0) event[part] = value;
    else {
      // OPA upserts only below an object.
      if (!isRecord(current)) continue;
      const next = withValue(current, rest, value);
      if (next === UNRESOLVED) continue;
      event[part] = next;
    }
    (event.masked ??= []).push(rule.path);
  }
}

/**
 * `sha256:` and 12 hex digits: events of one task still correlate, and the handle itself (a bearer-like
 * capability, SEP-2663) is not in them. Task ids are random, so the short digest cannot be searched back.
 */
export function digestOf(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  let digest = recentDigests.get(text);
  if (digest === undefined) {
    digest = `sha256:${quickSha256Hex(text).slice(0, 12)}`;
    // Polling repeats one task's id many times: the recent ones are kept, up to a bound.
    if (recentDigests.size >= RECENT_DIGESTS) recentDigests.clear();
    recentDigests.set(text, digest);
  }
  return digest;
}

/** One-shot crypto.hash costs a third of createHash for a short string (measured); Node before 20.12 lacks it. */
const quickSha256Hex: (text: string) => string = typeof crypto.hash === 'function'
  ? (text) => crypto.hash('sha256', text, 'hex')
  : (text) => crypto.createHash('sha256').update(text).digest('hex');

const RECENT_DIGESTS = 4096;
const recentDigests = new Map<string, string>();

function pointer(path: string): ParsedPointer {
  const parsed = parsePointer(path);
  if (typeof parsed === 'string') throw invalid(parsed);
  return parsed;
}

/** An opa-wasm result set: `[]` (undefined) or `[{result: value}]`. */
function singleResult(resultSet: unknown, rule: string): unknown {
  if (!Array.isArray(resultSet)) throw invalid(`${rule} rule answered no result set`);
  if (resultSet.length === 0) return undefined;
  const [first] = resultSet as unknown[];
  if (resultSet.length !== 1 || !isRecord(first) || !('result' in first)) throw invalid(`${rule} rule answered more than one result`);
  return first['result'];
}

function invalid(message: string): TaskguardError {
  return new TaskguardError('log_rule_invalid', message);
}
