import { isRecord } from '../../../src/decision/parse.js';
import { KNOWN_METHODS, REGISTERED_TOOLS } from './params.js';

/** What a JSON-RPC message is, read the way MCP 2025-11-25 reads it. */
export type Envelope =
  | { kind: 'request'; id: string | number; method: string; params: Record<string, unknown> | undefined }
  | { kind: 'notification' | 'response' | 'ambiguous' }
  | { kind: 'invalid'; why: string; paramsArray?: true };

/** The one right code for a client mistake the fuzz can recognise on its own, on an otherwise clean request. */
export function expectedCode(envelope: Envelope, untrustedActor: boolean): { codes: number[]; why: string } | undefined {
  if (envelope.kind === 'invalid') {
    // JSON-RPC 2.0: params must be structured; by-position params are a valid request whose params are wrong.
    return { codes: envelope.paramsArray ? [-32600, -32602] : [-32600], why: envelope.why };
  }
  if (envelope.kind !== 'request') return undefined;
  const { method, params } = envelope;
  // MCP's base request schema: _meta is an object, its progressToken a string or a number. Whether that makes
  // the request or its params invalid, or the unknown method is named first, is the host's choice; a parse
  // error or an internal error is not.
  const meta = params?.['_meta'];
  if (meta !== undefined && !isRecord(meta)) return { codes: [-32600, -32601, -32602], why: 'params._meta not an object' };
  const progressToken = isRecord(meta) ? meta['progressToken'] : undefined;
  if (progressToken !== undefined && typeof progressToken !== 'string' && typeof progressToken !== 'number') {
    return { codes: [-32600, -32601, -32602], why: 'params._meta.progressToken neither string nor number' };
  }
  if (!(KNOWN_METHODS as readonly string[]).includes(method)) return { codes: [-32601], why: 'unknown method' };
  const wrong = wrongParam(method, params);
  if (wrong) return { codes: [-32602], why: `params of the wrong type (${wrong})` };
  // An actor the policy does not trust is refused as a caller (-32003) before anything is looked up.
  if (method === 'tools/call' && !untrustedActor && !(REGISTERED_TOOLS as readonly string[]).includes(params?.['name'] as string)) return { codes: [-32602], why: 'unknown tool' };
  return undefined;
}

/** The first parameter whose JSON type the method's schema (MCP 2025-11-25) does not allow. */
function wrongParam(method: string, params: Record<string, unknown> | undefined): string | undefined {
  const has = (key: string): boolean => params !== undefined && params[key] !== undefined;
  switch (method) {
    case 'tools/call': {
      if (typeof params?.['name'] !== 'string') return 'name not a string';
      if (has('arguments') && !isRecord(params['arguments'])) return 'arguments not an object';
      if (!has('task')) return undefined;
      const task = params['task'];
      if (!isRecord(task)) return 'task not an object';
      if (task['ttl'] !== undefined && !Number.isInteger(task['ttl'])) return 'task.ttl not a whole number';
      return undefined;
    }
    case 'tasks/get': case 'tasks/result': case 'tasks/cancel':
      return typeof params?.['taskId'] === 'string' ? undefined : 'taskId not a string';
    case 'tasks/list': case 'tools/list':
      return has('cursor') && typeof params?.['cursor'] !== 'string' ? 'cursor not a string' : undefined;
    default:
      return undefined;
  }
}

export function envelopeOf(value: unknown): Envelope {
  if (!isRecord(value)) return { kind: 'invalid', why: 'JSON that is not an object' };
  if (value['jsonrpc'] !== '2.0') return { kind: 'invalid', why: 'jsonrpc member not "2.0"' };
  const params = value['params'];
  if ('method' in value) {
    const method = value['method'];
    if (typeof method !== 'string') return { kind: 'invalid', why: 'method not a string' };
    if (params !== undefined && !isRecord(params)) {
      return Array.isArray(params) ? { kind: 'invalid', why: 'params an array', paramsArray: true } : { kind: 'invalid', why: 'params neither object nor array' };
    }
    // Both a method and a result: JSON-RPC does not say whether the extra member makes it invalid.
    if ('result' in value || 'error' in value) return { kind: 'ambiguous' };
    if (!('id' in value)) return { kind: 'notification' };
    const id = value['id'];
    // MCP: a request id is a string or an integer, never null (stricter than JSON-RPC 2.0).
    if (typeof id === 'string' || Number.isSafeInteger(id)) return { kind: 'request', id: id as string | number, method, params: params as Record<string, unknown> | undefined };
    return { kind: 'invalid', why: 'request id neither string nor integer' };
  }
  if ('id' in value && ('result' in value || isRecord(value['error']))) return { kind: 'response' };
  return { kind: 'invalid', why: 'object without method' };
}
