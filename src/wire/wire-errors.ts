import { isGuardDenial } from '../guard/denials.js';
import type { Guard } from '../guard/guard.js';
import { jsonRpcErrorOf } from '../guard/tool-errors.js';
import { GuardRpcError, rpcErrorOf } from './rpc-errors.js';

/**
 * What a handler of either wire throws for its SDK to send: a denial as its JSON-RPC error; a JSON-RPC error
 * from elsewhere (the SDK's own, a tool's McpError) as it is; anything else is a local failure, which the
 * client sees only as -32603 with a correlation id while the cause goes to the operator and the audit log.
 */
export function toWireError(guard: Guard, err: unknown, context: Parameters<Guard['localFailure']>[1], signal: AbortSignal): Error {
  if (isGuardDenial(err)) return new GuardRpcError(rpcErrorOf(err.denial));
  // The SDK sends nothing for a request the client cancelled: neither do we record a failure for it.
  if (signal.aborted) return err instanceof Error ? err : new Error(String(err));
  if (jsonRpcErrorOf(err)) return err as Error;
  return new GuardRpcError(rpcErrorOf(guard.localFailure(err, context).denial));
}
