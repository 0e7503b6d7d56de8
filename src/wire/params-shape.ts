import { invalidParams } from '../guard/denials.js';

/** Both wires read request params themselves, so that a client mistake is -32602 with one plain line. */

export function paramsObject(params: unknown): Record<string, unknown> {
  if (params === undefined) return {};
  if (!isPlainObject(params)) throw invalidParams('params must be an object');
  return params;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function metaOf(params: Record<string, unknown>): Record<string, unknown> | undefined {
  const meta = params['_meta'];
  if (meta === undefined) return undefined;
  if (!isPlainObject(meta)) throw invalidParams('_meta must be an object');
  return meta;
}

/** A task id as a failure's audit record may name it: only a plausible one. */
export function taskIdOf(params: unknown): string | undefined {
  const taskId = isPlainObject(params) ? params['taskId'] : undefined;
  return typeof taskId === 'string' && taskId.length <= 64 ? taskId : undefined;
}

/** tools/call on either wire: a tool name and arguments as an object, with the params and `_meta` read. */
export function toolCallOf(params: unknown): { p: Record<string, unknown>; name: string; arguments: unknown; meta: Record<string, unknown> | undefined } {
  const p = paramsObject(params);
  const meta = metaOf(p);
  const name = p['name'];
  if (typeof name !== 'string' || name === '') throw invalidParams('name must be a non-empty string');
  const args = p['arguments'];
  if (args !== undefined && !isPlainObject(args)) throw invalidParams('arguments must be an object');
  return { p, name, arguments: args, meta };
}
