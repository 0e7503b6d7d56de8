const REQUEST_KEYS: ReadonlySet<string> = new Set(['jsonrpc', 'id', 'method', 'params']);

/**
 * A request or notification that JSONRPCMessageSchema accepts for certain, told without zod: the schema is
 * a union that fails through its alternatives on every POST, the commonest case. Only the plainest shape
 * passes here (the schema's own keys, a string or safe-integer id, params an object without `_meta`, whose
 * fields the schema checks); anything else, requests with `_meta` included, still goes through the schema.
 */
export function isPlainMessage(body: unknown): boolean {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const b = body as Record<string, unknown>;
  for (const key in b) if (!REQUEST_KEYS.has(key)) return false;
  if (b['jsonrpc'] !== '2.0' || typeof b['method'] !== 'string') return false;
  const id = b['id'];
  if ('id' in b && typeof id !== 'string' && !Number.isSafeInteger(id)) return false;
  const params = b['params'];
  if (!('params' in b)) return true;
  return typeof params === 'object' && params !== null && !Array.isArray(params) && !Object.hasOwn(params, '_meta');
}
