import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { createTokenVerifier, validateIdentityConfig } from '../../src/identity/index.js';
import { createTasksExtension } from '../../src/wire/v2026/extension.js';
import { gateName, nowS, waitUntil } from '../attacks/helpers.js';
import { AUDIENCE, ISSUER } from '../support/stack.js';
import { buildTempBundle } from '../support/temp-policy.js';
import { mfa, resultOf, startStack2026, waitFor2026 } from './support.js';

/**
 * The adapter itself: one extension, a fresh v2 server per request (createMcpHandler's factory), the
 * guard with its store, policy, audit log and running tasks outside all of them; and the server-directed
 * decision where policy, not the tool's declaration alone, decides what becomes a task.
 */

const alice = { sub: 'alice' };

/** The committed policies, plus one rule: docs-console may call export_data, but not have it run as a task. */
function policyWithAsyncRule() {
  const dir = path.resolve(import.meta.dirname, '../../policies');
  const files: Record<string, string> = {};
  for (const name of readdirSync(dir)) {
    if ((name.endsWith('.rego') && !name.endsWith('_test.rego')) || name === 'data.yaml') files[name] = readFileSync(path.join(dir, name), 'utf8');
  }
  files['async_clients.rego'] = [
    'package taskguard.tasks',
    '',
    'tool_denials contains "async_not_allowed" if {',
    '\tinput.op == "create"',
    '\tinput.tool.name == "export_data"',
    '\tprincipal.client_id == "docs-console"',
    '}',
    '',
  ].join('\n');
  return buildTempBundle(files);
}

describe('createTasksExtension', () => {
  it('the factory builds a server per request; the guard outlives them: a task made through one is polled, answered and cancelled through others', async () => {
    const stack = await startStack2026();
    try {
      const start = stack.built();
      const gate = gateName('per-request');
      const taskId = resultOf(await stack.rpc(mfa(), 'tools/call', { name: 'approve_publication', arguments: { title: 'x', gate } }))['taskId'] as string;
      await stack.gates.started(gate);
      stack.gates.release(gate);
      await waitFor2026(stack, mfa(), taskId, 'input_required');
      await stack.rpc(mfa(), 'tasks/update', { taskId, inputResponses: { 'input-1': { action: 'accept', content: { approve: true } } } });
      await waitFor2026(stack, mfa(), taskId, 'completed');
      const other = gateName('per-request-cancel');
      const second = resultOf(await stack.rpc(alice, 'tools/call', { name: 'convert_document', arguments: { text: 'x', gate: other } }))['taskId'] as string;
      await stack.gates.started(other);
      await stack.rpc(alice, 'tasks/cancel', { taskId: second });
      await waitUntil(() => stack.gates.aborted.has(other));
      // Every request had its own server, and none of them held a task.
      assert.ok(stack.built() - start >= 6, `only ${stack.built() - start} servers were built`);
      assert.equal(stack.guard.running(), 0);
    } finally {
      await stack.close();
    }
  });

  it('a tool registered after servers were attached is listed and callable on the next request', async () => {
    const stack = await startStack2026({ data: { tools: { late_tool: { task_support: 'forbidden', risk: 'low' } } } });
    try {
      const before = await (await stack.client(alice)).listTools();
      assert.equal(before.tools.some((t) => t.name === 'late_tool'), false);
      stack.extension.registerTool('late_tool', { description: 'registered late', inputSchema: { n: z.number() } }, async (args) => ({
        content: [{ type: 'text', text: `late ${String(args['n'])}` }],
      }));
      const after = await (await stack.client(alice)).listTools();
      assert.deepEqual(after.tools.find((t) => t.name === 'late_tool')?.description, 'registered late');
      assert.deepEqual(resultOf(await stack.rpc(alice, 'tools/call', { name: 'late_tool', arguments: { n: 3 } }))['content'], [{ type: 'text', text: 'late 3' }]);
    } finally {
      await stack.close();
    }
  });

  it('refuses a 2025-era instance at attach, and a server bound to another revision fails closed with -32603 and a correlation id', async () => {
    const stack = await startStack2026();
    const wrong = createTasksExtension(stack.guard);
    assert.throws(() => wrong.attach(new McpServer({ name: 'x', version: '1' }), { era: 'legacy' }), {
      name: 'TaskguardError', code: 'usage', message: "createTasksExtension serves 2026-07-28: serve 2025-11-25 with createTaskguard, or create the handler with legacy: 'reject'",
    });
    // An embedder serving 2025 through this adapter anyway (the stateless legacy leg, no context passed).
    const handler = createMcpHandler(() => wrong.attach(new McpServer({ name: 'wrong', version: '1' })), { legacy: 'stateless' });
    const node = toNodeHandler(handler);
    const auth = await createTokenVerifier(validateIdentityConfig({ issuer: ISSUER, audience: AUDIENCE, keys: [stack.publicJwk], algorithms: ['ES256'] }))
      .verifyAccessToken(await stack.token(alice));
    const server = createServer((req, res) => {
      (req as typeof req & { auth?: unknown }).auth = auth;
      void node(req as Parameters<typeof node>[0], res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = new Client({ name: 'legacy', version: '1' });
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`)));
      const from = stack.audit.length;
      await assert.rejects(client.callTool({ name: 'lookup', arguments: { q: 'x' } }), (err: Error & { code?: number }) => {
        assert.equal(err.code, -32603);
        assert.match(err.message, /internal error \(correlation id [0-9a-f-]{36}\)/);
        return true;
      });
      const after = stack.audit.slice(from);
      assert.match(after.find((e) => e.reasons?.includes('internal_error'))?.error ?? '', /tasks adapter was asked to serve a request of protocol version 2025-11-25 or earlier/);
      assert.equal(after.some((e) => e.kind === 'decision' && e.allow), false, 'something was decided');
    } finally {
      await client.close();
      await handler.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await stack.close();
    }
  });
});

describe('the server decides what becomes a task, by policy', () => {
  it('an optional tool the policy will not run as a task for this caller runs as a plain call instead', async () => {
    const stack = await startStack2026({ bundle: policyWithAsyncRule() });
    try {
      const docs = { sub: 'alice', client: 'docs-console' };
      const inline = resultOf(await stack.rpc(docs, 'tools/call', { name: 'export_data', arguments: { rows: 2 } }));
      assert.equal(inline['resultType'], 'complete');
      assert.deepEqual(inline['content'], [{ type: 'text', text: 'exported 2 rows for alice' }]);
      const decided = stack.audit.filter((e) => e.kind === 'decision' && e.tool === 'export_data').map((e) => [e.op, e.allow, e.reasons]);
      assert.deepEqual(decided, [['create', false, ['async_not_allowed']], ['call', true, []]]);
      // The same tool for the app the rule does not name is a task.
      assert.equal(resultOf(await stack.rpc(alice, 'tools/call', { name: 'export_data', arguments: { rows: 2 } }))['resultType'], 'task');
    } finally {
      await stack.close();
    }
  });

  it('step-up on create is the RFC 9470 401 before the tool runs; a required tool for an undeclaring request stays -32021 whatever step-up says', async () => {
    const stack = await startStack2026({ data: { tools: { convert_document: { step_up: { create: { acr_values: ['urn:example:mfa'], max_age_s: 60 } } } } } });
    try {
      const gate = gateName('step-up-create');
      const challenged = await stack.rpc(alice, 'tools/call', { name: 'convert_document', arguments: { text: 'x', gate } });
      assert.equal(challenged.status, 401);
      assert.equal(challenged.wwwAuthenticate, 'Bearer error="insufficient_user_authentication", acr_values="urn:example:mfa", max_age=60');
      assert.equal(challenged.body.error?.code, -32004);
      const undeclared = await stack.rpc(alice, 'tools/call', { name: 'convert_document', arguments: { text: 'x', gate } }, { declared: false });
      assert.equal(undeclared.body.error?.code, -32021);
      assert.equal(resultOf(await stack.rpc({ sub: 'alice', acr: 'urn:example:mfa', authTimeS: nowS() - 5 }, 'tools/call', { name: 'convert_document', arguments: { text: 'x' } }))['resultType'], 'task');
      // The 401 was the decision the operation would have taken: audited once, not twice.
      const creates = stack.audit.filter((e) => e.kind === 'decision' && e.op === 'create').map((e) => [e.allow, e.reasons]);
      // The undeclaring request is refused by the policy's own tasks_not_declared (no step-up is offered to it).
      assert.deepEqual(creates, [[false, ['step_up_required']], [false, ['tasks_not_declared']], [true, []]]);
    } finally {
      await stack.close();
    }
  });
});
