import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resultFromTaskOutcome } from '@modelcontextprotocol/ext-tasks/client';
import { gateName, waitUntil } from '../attacks/helpers.js';
import { mfa, startStack2026, type Stack2026 } from './support.js';

/**
 * Independent 2026-07-28 clients: `@modelcontextprotocol/client` 2.x negotiating through server/discover,
 * and `@modelcontextprotocol/ext-tasks`' requester session driving tasks on it (server-directed creation,
 * polling, inputRequests through its input handler, cancellation), against the v2 server with taskguard
 * attached. The session's raw dispatch is a plain fetch carrying the bearer token and SEP-2243's headers.
 */

// Fast polls, so the session's own polling loop settles tasks quickly.
const FAST = { defaults: { poll_interval_ms: 20 }, tools: { convert_document: { poll_interval_ms: 20 } } };

describe('independent 2026-07-28 clients', () => {
  let stack: Stack2026;
  before(async () => {
    stack = await startStack2026({ data: FAST });
  });
  after(async () => {
    await stack.close();
  });

  it('the SDK v2 client negotiates 2026-07-28 and calls a plain tool', async () => {
    const client = await stack.client({ sub: 'alice' });
    assert.equal(client.getProtocolEra(), 'modern');
    const answer = await client.callTool({ name: 'lookup', arguments: { q: 'era' } });
    assert.deepEqual(answer.content, [{ type: 'text', text: 'answer to era' }]);
  });

  it('an ext-tasks session runs a task the server decided to create, to its result', async () => {
    const session = await stack.session({ sub: 'alice' });
    try {
      const execution = await session.callTool('convert_document', { text: 'from a session' });
      assert.equal(execution.kind, 'task');
      const { outcome } = await execution.settle();
      assert.deepEqual(resultFromTaskOutcome(outcome), { resultType: 'complete', content: [{ type: 'text', text: 'FROM A SESSION' }] });
      // And an optional-or-forbidden tool the server answers at once.
      const immediate = await session.callTool('lookup', { q: 'now' });
      assert.equal(immediate.kind, 'immediate');
      const { _meta, ...answered } = resultFromTaskOutcome((await immediate.settle()).outcome) as Record<string, unknown>;
      assert.deepEqual(answered, { resultType: 'complete', content: [{ type: 'text', text: 'answer to now' }] });
      assert.ok(_meta, 'the SDK\'s serverInfo stamp');
    } finally {
      await session.close();
    }
  });

  it('an ext-tasks session answers the task\'s question through its input handler (tasks/update), and the task completes', async () => {
    const asked: unknown[] = [];
    const session = await stack.session(mfa(), async (request, context) => {
      asked.push({ kind: request.kind, message: request.params?.['message'], inputId: context.inputId, delivery: context.delivery });
      return { action: 'accept', content: { approve: true } } as never;
    });
    try {
      const execution = await session.callTool('approve_publication', { title: 'quarterly' });
      assert.equal(execution.kind, 'task');
      const { outcome } = await execution.settle();
      assert.deepEqual(resultFromTaskOutcome(outcome), { resultType: 'complete', content: [{ type: 'text', text: 'approved quarterly' }] });
      assert.deepEqual(asked, [{ kind: 'elicitation', message: 'publish quarterly?', inputId: 'input-1', delivery: 'task-update' }]);
    } finally {
      await session.close();
    }
  });

  it('an ext-tasks session cancels a running task: tasks/cancel stops the tool, the outcome is cancelled', async () => {
    const gate = gateName('session-cancel');
    const session = await stack.session({ sub: 'alice' });
    try {
      const execution = await session.callTool('convert_document', { text: 'stop me', gate });
      assert.equal(execution.kind, 'task');
      await stack.gates.started(gate);
      await execution.cancel();
      await waitUntil(() => stack.gates.aborted.has(gate));
      const { outcome } = await execution.settle();
      assert.equal(outcome.status, 'cancelled');
    } finally {
      await session.close();
    }
  });
});
