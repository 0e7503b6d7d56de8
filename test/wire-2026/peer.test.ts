import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { Who } from '../support/stack.js';
import { CLIENT_INFO, DECLARING, exchange2026, resultOf, startStack2026, type Stack2026 } from './support.js';

/**
 * The caller of a plain 2026-07-28 tools/call (ToolContext.peer): progress reaches it on the call's own
 * stream, as related notifications; a request to it does not (this stateless revision carries none: tools
 * ask in rounds). And a method nobody serves is answered at once, HTTP 404 with -32601 (SEP-2575).
 */

const alice: Who = { sub: 'alice' };

describe('the caller of a plain 2026-07-28 call', () => {
  let stack: Stack2026;
  beforeEach(async () => {
    stack = await startStack2026({ data: { tools: { counting: { task_support: 'forbidden', risk: 'low' }, asking_directly: { task_support: 'forbidden', risk: 'low' } } } });
    stack.guard.registerTool('counting', { description: 'reports progress three times', inputSchema: {} }, async (_args, ctx) => {
      for (const step of [1, 2, 3]) await ctx.peer!.progress(step, 3, `step ${step}`);
      return { content: [{ type: 'text', text: 'counted' }] };
    });
    stack.guard.registerTool('asking_directly', { description: 'sends the caller a request', inputSchema: {} }, async (_args, ctx) => {
      await ctx.peer!.request('elicitation/create', { message: 'hi?', requestedSchema: { type: 'object', properties: {} } });
      return { content: [{ type: 'text', text: 'asked' }] };
    });
  });
  afterEach(async () => {
    await stack.close();
  });

  it('progress reaches a @modelcontextprotocol/client 2.x client that asked for it, in order', async () => {
    const client = new Client(CLIENT_INFO, { versionNegotiation: { mode: 'auto' }, capabilities: DECLARING });
    await client.connect(new StreamableHTTPClientTransport(new URL(stack.url2026), { requestInit: { headers: { Authorization: `Bearer ${await stack.token(alice)}` } } }));
    try {
      const seen: Array<[number, number | undefined, string | undefined]> = [];
      const result = await client.callTool({ name: 'counting', arguments: {} }, { onprogress: (p) => void seen.push([p.progress, p.total, p.message]) });
      assert.deepEqual(result.content, [{ type: 'text', text: 'counted' }]);
      assert.deepEqual(seen, [[1, 3, 'step 1'], [2, 3, 'step 2'], [3, 3, 'step 3']]);
      // Without a progress token nothing is sent, and the call answers the same.
      assert.deepEqual((await client.callTool({ name: 'counting', arguments: {} })).content, [{ type: 'text', text: 'counted' }]);
    } finally {
      await client.close();
    }
  });

  it('a request to the caller is refused inside the tool: the call ends as the generic tool failure, nothing reaches the stream', async () => {
    const reply = await stack.rpc(alice, 'tools/call', { name: 'asking_directly', arguments: {} });
    assert.deepEqual(resultOf(reply)['content'], [{ type: 'text', text: 'tool execution failed' }]);
    assert.equal(resultOf(reply)['isError'], true);
  });

  it('a method nobody serves is HTTP 404 with -32601; tools/call on the same endpoint is served', async () => {
    const token = await stack.token(alice);
    const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };
    const unknown = await exchange2026(stack.url2026, token, { jsonrpc: '2.0', id: 7, method: 'unknown/method', params: { _meta: meta } });
    assert.equal(unknown.status, 404);
    assert.deepEqual(unknown.body.error?.code, -32601);
    assert.equal(unknown.body.id, 7);
    assert.equal(resultOf(await stack.rpc(alice, 'tools/call', { name: 'counting', arguments: {} }))['content'] !== undefined, true);
  });
});
