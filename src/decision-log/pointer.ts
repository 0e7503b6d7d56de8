import { isRecord } from '../decision/parse.js';

/** What a rewrite returns when its path does not resolve: OPA ignores such a mask rule. */
export const UNRESOLVED: unique symbol = Symbol('unresolved');

/**
 * The parts of an event a mask may touch, as in OPA (`mask prefix not allowed` otherwise). The pointer's
 * segments are taken literally, split on `/`, as OPA matches them for ordinary keys.
 */
export const MASKABLE_PARTS = ['input', 'result', 'nd_builtin_cache'] as const;
export type MaskablePart = (typeof MASKABLE_PARTS)[number];

export interface ParsedPointer {
  part: MaskablePart;
  /** Below the part: empty for the whole of it. */
  rest: string[];
}

/** A mask pointer such as `/input/task/id`, or a reason it is not one. */
export function parsePointer(pointer: string): ParsedPointer | string {
  if (pointer === '') return 'mask must be non-empty';
  if (!pointer.startsWith('/')) return 'mask must be slash-prefixed';
  const [part, ...rest] = pointer.slice(1).split('/');
  if (!MASKABLE_PARTS.includes(part as MaskablePart)) return `mask prefix not allowed: ${part}`;
  return { part: part as MaskablePart, rest };
}

export function valueAt(node: unknown, parts: readonly string[]): unknown {
  let current = node;
  for (const key of parts) {
    if (Array.isArray(current)) current = current[arrayIndex(key, current.length)];
    else if (isRecord(current) && Object.hasOwn(current, key)) current = current[key];
    else return UNRESOLVED;
    if (current === undefined) return UNRESOLVED;
  }
  return current;
}

/**
 * `node` without the value at `parts`, copying only the containers on the way: the guard's own input and
 * decision are never written (OPA issue 2752 was a mask that changed the answer it logged).
 */
export function without(node: unknown, parts: readonly string[]): unknown {
  const [key, ...rest] = parts;
  if (key === undefined) return UNRESOLVED;
  if (Array.isArray(node)) {
    const i = arrayIndex(key, node.length);
    if (i < 0) return UNRESOLVED;
    if (rest.length === 0) return [...node.slice(0, i), ...node.slice(i + 1)];
    const child = without(node[i], rest);
    return child === UNRESOLVED ? UNRESOLVED : node.map((v, j) => (j === i ? child : v));
  }
  if (!isRecord(node) || !Object.hasOwn(node, key)) return UNRESOLVED;
  if (rest.length === 0) {
    // Copied key by key, not spread and deleted: a delete turns an object into a slow dictionary for
    // JSON.stringify, which then costs more than the mask.
    const copy: Record<string, unknown> = {};
    for (const k of Object.keys(node)) if (k !== key) copy[k] = node[k];
    return copy;
  }
  const child = without(node[key], rest);
  return child === UNRESOLVED ? UNRESOLVED : replaced(node, key, child);
}

/** `node` with `value` at `parts`, creating missing objects on the way as OPA's upsert does; copies as `without`. */
export function withValue(node: unknown, parts: readonly string[], value: unknown): unknown {
  const [key, ...rest] = parts;
  if (key === undefined) return UNRESOLVED;
  if (Array.isArray(node)) {
    const i = arrayIndex(key, node.length);
    if (i < 0) return UNRESOLVED;
    const child = rest.length === 0 ? value : withValue(node[i], rest, value);
    return child === UNRESOLVED ? UNRESOLVED : node.map((v, j) => (j === i ? child : v));
  }
  if (!isRecord(node)) return UNRESOLVED;
  const child = rest.length === 0 ? value : withValue(Object.hasOwn(node, key) ? node[key] : {}, rest, value);
  return child === UNRESOLVED ? UNRESOLVED : replaced(node, key, child);
}

/** A copy of `node` with `key` set (a computed key in a spread literal makes a slow object, measured). */
function replaced(node: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const copy = { ...node };
  copy[key] = value;
  return copy;
}

function arrayIndex(key: string, length: number): number {
  if (!/^(0|[1-9][0-9]*)$/.test(key)) return -1;
  const i = Number(key);
  return i < length ? i : -1;
}
