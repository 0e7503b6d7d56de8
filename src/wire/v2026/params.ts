import { isPlainObject, metaOf, paramsObject, toolCallOf } from '../params-shape.js';
import { TASKS_EXTENSION } from '../rpc-errors.js';

/** Where a 2026-07-28 request carries its client capabilities: in its own `_meta` (there are no sessions). */
export const CLIENT_CAPABILITIES_META_KEY = 'io.modelcontextprotocol/clientCapabilities';

/**
 * Whether a request's capabilities declare the tasks extension: `_meta` (or the envelope the SDK lifted out
 * of it) naming `io.modelcontextprotocol/tasks` with an object, empty for now. Anything else does not.
 */
export function tasksDeclaredOf(meta: unknown): boolean {
  const capabilities = isPlainObject(meta) ? meta[CLIENT_CAPABILITIES_META_KEY] : undefined;
  const extensions = isPlainObject(capabilities) ? capabilities['extensions'] : undefined;
  return isPlainObject(extensions) && isPlainObject(extensions[TASKS_EXTENSION]);
}

/** The request's declared client capabilities (elicitation, sampling, roots, extensions), or none. */
export function clientCapabilitiesOf(meta: unknown): Record<string, unknown> {
  const capabilities = isPlainObject(meta) ? meta[CLIENT_CAPABILITIES_META_KEY] : undefined;
  return isPlainObject(capabilities) ? capabilities : {};
}

export interface CallParams {
  name: string;
  arguments: unknown;
  meta: Record<string, unknown> | undefined;
}

/**
 * tools/call: a tool name and arguments as an object. A `task` param (2025-11-25's request for a task) means
 * nothing here: on 2026-07-28 the server alone decides, so it is ignored, TTL and all.
 */
export function parseCallParams(params: unknown): CallParams {
  const { name, arguments: args, meta } = toolCallOf(params);
  return { name, arguments: args, meta };
}

/** tasks/get, tasks/update, tasks/cancel: the task id as sent (the guard tells a task id from anything else). */
export function taskIdParam(params: unknown): unknown {
  const p = paramsObject(params);
  metaOf(p);
  return p['taskId'];
}
