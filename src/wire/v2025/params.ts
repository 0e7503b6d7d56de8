import { z } from 'zod';
import { invalidCursor, invalidParams, invalidTaskId } from '../../guard/denials.js';
import { isPlainObject, metaOf, paramsObject, toolCallOf } from '../params-shape.js';

/**
 * The guard reads request params itself instead of letting the SDK parse them with its zod schemas: a
 * ZodError thrown there reaches the client as `-32603` with the schema dump as its message, while a
 * client mistake is `-32602` with one plain line (JSON-RPC, MCP).
 */

/** Registers a handler for `method` with a schema that only checks the method, so params reach us unparsed. */
export function looseRequestSchema<M extends string>(method: M) {
  return z.object({ method: z.literal(method), params: z.unknown().optional() }).passthrough();
}

export interface CallParams {
  name: string;
  arguments: unknown;
  /** Present when the call asks to run as a task; ttlMs undefined when no ttl was requested. */
  task?: { ttlMs: number | undefined };
  meta: Record<string, unknown> | undefined;
}

/** tasks/get, tasks/result, tasks/cancel: a taskId that is not a string cannot name a task. */
export function parseTaskIdParams(params: unknown): string {
  const p = paramsObject(params);
  metaOf(p);
  const taskId = p['taskId'];
  if (typeof taskId !== 'string') throw invalidTaskId();
  return taskId;
}

/** tasks/list: an optional cursor, which must be a string (anything else is not a cursor we issued). */
export function parseListParams(params: unknown): { cursor: string | undefined } {
  const p = paramsObject(params);
  metaOf(p);
  const cursor = p['cursor'];
  if (cursor !== undefined && typeof cursor !== 'string') throw invalidCursor();
  return { cursor };
}

/**
 * tools/call: a tool name, arguments as an object, and `task` as an object whose ttl, if any, is a whole
 * number of milliseconds (the spec's integer). Which whole numbers are acceptable (positive, below the caps)
 * is the policy's call, as `invalid_ttl`.
 */
export function parseCallParams(params: unknown): CallParams {
  const { p, name, arguments: args, meta } = toolCallOf(params);
  const task = p['task'];
  if (task === undefined) return { name, arguments: args, meta };
  if (!isPlainObject(task)) throw invalidParams('task must be an object');
  const ttl = task['ttl'];
  if (ttl !== undefined && !(typeof ttl === 'number' && Number.isInteger(ttl))) throw invalidParams('task.ttl must be a whole number of milliseconds');
  return { name, arguments: args, task: { ttlMs: ttl }, meta };
}
