import assert from 'node:assert/strict';
import { McpError } from '@modelcontextprotocol/sdk/types.js';

/** The JSON-RPC error a request failed with; fails the test when it succeeded or failed otherwise. */
export async function rpcError(promise: Promise<unknown>): Promise<McpError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof McpError, `expected an McpError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the request to fail');
}
