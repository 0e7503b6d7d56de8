/**
 * A JSON-RPC error a tool threw (an MCP SDK McpError, say), recognised by shape so the guard needs no SDK:
 * an Error whose `code` is a safe integer (Node's system errors have string codes). The SDK's McpError puts
 * "MCP error N: " in front of its message, which the wire would prefix again, so that is cut.
 */
export function jsonRpcErrorOf(err: unknown): { code: number; message: string } | undefined {
  if (!(err instanceof Error)) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'number' || !Number.isSafeInteger(code)) return undefined;
  return { code, message: err.message.replace(/^MCP error -?\d+: /, '') };
}
