import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { INITIALIZE, MCP_POST_HEADERS, rawRequest, type RawResponse } from '../e2e/support/http.js';
import { startStack, type Stack } from '../support/stack.js';

/** Streamable HTTP: a server MUST validate Origin and answer 403 when it is present and not allowed. */
async function initializeWith(stack: Stack, headers: Record<string, string>): Promise<RawResponse> {
  const token = await stack.token({ sub: 'alice' });
  return rawRequest({ url: stack.url, method: 'POST', headers: { ...MCP_POST_HEADERS, authorization: `Bearer ${token}`, ...headers }, body: JSON.stringify(INITIALIZE) });
}

describe('the Origin header, with the default allow-list', () => {
  let stack: Stack;
  let port: string;
  before(async () => {
    stack = await startStack();
    port = new URL(stack.url).port;
  });
  after(async () => {
    await stack.close();
  });

  it('refuses a foreign origin with 403 before serving anything, the metadata included', async () => {
    for (const origin of ['http://evil.example', `http://evil.example:${port}`, 'null', '', 'not a url', `https://127.0.0.1:${port}`, `http://127.0.0.1:${Number(port) + 1}`]) {
      const res = await initializeWith(stack, { origin });
      assert.equal(res.status, 403, `origin ${JSON.stringify(origin)}`);
      assert.deepEqual(JSON.parse(res.body), { jsonrpc: '2.0', error: { code: -32600, message: 'origin not allowed' }, id: null });
      assert.equal(res.headers['mcp-session-id'], undefined, 'no session was opened');
    }
    const metadata = await rawRequest({ url: `${new URL(stack.url).origin}/.well-known/oauth-protected-resource/mcp`, headers: { origin: 'http://evil.example' } });
    assert.equal(metadata.status, 403);
  });

  it('accepts the loopback origins of its port, and a request with no Origin at all', async () => {
    for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`, `http://[::1]:${port}`, `HTTP://LOCALHOST:${port}`]) {
      const res = await initializeWith(stack, { origin });
      assert.equal(res.status, 200, `origin ${origin}: ${res.body}`);
    }
    assert.equal((await initializeWith(stack, {})).status, 200);
  });
});

describe('the Origin header, with a configured allow-list', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ host: { allowedOrigins: ['https://app.example.com'] } });
  });
  after(async () => {
    await stack.close();
  });

  it('accepts exactly the listed origins: the list replaces the loopback default', async () => {
    assert.equal((await initializeWith(stack, { origin: 'https://app.example.com' })).status, 200);
    assert.equal((await initializeWith(stack, { origin: `http://127.0.0.1:${new URL(stack.url).port}` })).status, 403);
    assert.equal((await initializeWith(stack, { origin: 'https://app.example.com.evil.example' })).status, 403);
    assert.equal((await initializeWith(stack, {})).status, 200);
  });
});
