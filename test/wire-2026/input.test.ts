import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { nowS, waitUntil } from '../attacks/helpers.js';
import { waitForStatus } from '../support/stack.js';
import { mfa, resultOf, startStack2026, waitFor2026, type Stack2026 } from './support.js';

/**
 * Questions a running task asks (input_required): on 2026-07-28 they surface through tasks/get as
 * inputRequests and their answers arrive by tasks/update, each decided as `input` when it arrives, with the
 * principal of the request that carries it. One pending question in the core serves both wires.
 */

const APPROVAL_SCHEMA = { type: 'object', properties: { approve: { type: 'boolean' } }, required: ['approve'] };
const STEP_UP = {
  jsonrpc: '2.0', id: 1,
  error: { code: -32004, message: 'step-up authentication required', data: { error: 'insufficient_user_authentication', acr_values: 'urn:example:mfa', max_age: 600 } },
};

async function approval(stack: Stack2026, who = mfa()): Promise<string> {
  const taskId = resultOf(await stack.rpc(who, 'tools/call', { name: 'approve_publication', arguments: { title: 'report' } }))['taskId'] as string;
  await waitFor2026(stack, who, taskId, 'input_required');
  return taskId;
}

describe('input_required on the 2026-07-28 wire', () => {
  let stack: Stack2026;
  beforeEach(async () => {
    stack = await startStack2026({ data: { tools: { two_questions: { task_support: 'required', risk: 'low' }, in_parallel: { task_support: 'required', risk: 'low' } } } });
    // Asks two questions at once, then a third after both are answered.
    stack.guard.registerTool('in_parallel', { description: 'asks two at once, then one more', inputSchema: {} }, async (_args, ctx) => {
      const ask = (message: string) => ctx.task!.requestInput({ message, requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } } } });
      const [left, right] = await Promise.all([ask('left?'), ask('right?')]);
      const last = await ask('last?');
      return { content: [{ type: 'text', text: [left, right, last].map((a) => `${a.action}:${String(a.content?.['ok'])}`).join(' ') }] };
    });
    // Asks twice: the second question must get a key of its own.
    stack.guard.registerTool('two_questions', { description: 'asks twice', inputSchema: { topic: z.string() } }, async (args, ctx) => {
      const ask = (message: string) => ctx.task!.requestInput({ message, requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } } } });
      const first = await ask(`first about ${String(args['topic'])}?`);
      const second = await ask('second?');
      return { content: [{ type: 'text', text: `${first.action}:${String(first.content?.['ok'])} ${second.action}:${String(second.content?.['ok'])}` }] };
    });
  });
  afterEach(async () => {
    await stack.close();
  });

  it('the question surfaces under a key, the same on every poll; the answer through tasks/update reaches the task', async () => {
    const taskId = await approval(stack);
    const expected = { 'input-1': { method: 'elicitation/create', params: { mode: 'form', message: 'publish report?', requestedSchema: APPROVAL_SCHEMA } } };
    for (let poll = 0; poll < 2; poll++) {
      const task = resultOf(await stack.rpc(mfa(), 'tasks/get', { taskId }));
      assert.equal(task['status'], 'input_required');
      assert.equal(task['statusMessage'], 'publish report?');
      assert.deepEqual(task['inputRequests'], expected);
    }
    const ack = resultOf(await stack.rpc(mfa(), 'tasks/update', { taskId, inputResponses: { 'input-1': { action: 'accept', content: { approve: true } } } }));
    assert.deepEqual(ack, { resultType: 'complete', _meta: ack['_meta'] });
    const done = resultOf(await waitFor2026(stack, mfa(), taskId, 'completed'));
    assert.deepEqual(done['result'], { resultType: 'complete', content: [{ type: 'text', text: 'approved report' }] });
    const inputs = stack.audit.filter((e) => e.kind === 'decision' && e.op === 'input' && e.task_id === taskId);
    assert.ok(inputs.length >= 3 && inputs.every((e) => e.allow && e.principal?.sub === 'alice'));
  });

  it('keys are never reused: the next question has its own key, and answers to keys not outstanding are ignored', async () => {
    const who = { sub: 'alice' };
    const taskId = resultOf(await stack.rpc(who, 'tools/call', { name: 'two_questions', arguments: { topic: 'x' } }))['taskId'] as string;
    const first = resultOf(await waitFor2026(stack, who, taskId, 'input_required'));
    assert.deepEqual(Object.keys(first['inputRequests'] as object), ['input-1']);

    // Never issued: acknowledged, and nothing happens.
    assert.equal(resultOf(await stack.rpc(who, 'tasks/update', { taskId, inputResponses: { 'input-7': { action: 'accept', content: { ok: false } } } }))['resultType'], 'complete');
    assert.deepEqual(Object.keys(resultOf(await stack.rpc(who, 'tasks/get', { taskId }))['inputRequests'] as object), ['input-1']);

    await stack.rpc(who, 'tasks/update', { taskId, inputResponses: { 'input-1': { action: 'accept', content: { ok: true } } } });
    const second = resultOf(await waitFor2026(stack, who, taskId, (task) => task['status'] === 'input_required' && 'input-2' in (task['inputRequests'] as object)));
    assert.deepEqual(second['inputRequests'], { 'input-2': { method: 'elicitation/create', params: { mode: 'form', message: 'second?', requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } } } } } });
    // Already answered: ignored, the second question stays outstanding.
    await stack.rpc(who, 'tasks/update', { taskId, inputResponses: { 'input-1': { action: 'decline' } } });
    assert.deepEqual(Object.keys(resultOf(await stack.rpc(who, 'tasks/get', { taskId }))['inputRequests'] as object), ['input-2']);
    await stack.rpc(who, 'tasks/update', { taskId, inputResponses: { 'input-2': { action: 'accept', content: { ok: false } }, 'input-1': { action: 'cancel' } } });
    const done = resultOf(await waitFor2026(stack, who, taskId, 'completed'));
    assert.deepEqual(done['result'], { resultType: 'complete', content: [{ type: 'text', text: 'accept:true accept:false' }] });
  });

  it('a refused answer changes nothing: without fresh MFA it is the step-up (a 401, before it is delivered), and the question stays', async () => {
    const taskId = await approval(stack);
    const answer = { taskId, inputResponses: { 'input-1': { action: 'accept', content: { approve: true } } } };
    for (const who of [{ sub: 'alice' }, { sub: 'alice', acr: 'urn:example:mfa', authTimeS: nowS() - 3600 }, { sub: 'alice', acr: 'urn:example:password', authTimeS: nowS() }]) {
      const refused = await stack.rpc(who, 'tasks/update', answer);
      assert.equal(refused.status, 401, JSON.stringify(who));
      assert.match(refused.wwwAuthenticate ?? '', /insufficient_user_authentication/);
      assert.deepEqual(refused.body, STEP_UP);
    }
    // The question is also a payload: showing it needs the same authentication.
    assert.deepEqual((await stack.rpc({ sub: 'alice' }, 'tasks/get', { taskId })).body, STEP_UP);
    const still = resultOf(await stack.rpc(mfa(), 'tasks/get', { taskId }));
    assert.equal(still['status'], 'input_required');
    assert.deepEqual(Object.keys(still['inputRequests'] as object), ['input-1']);
    await stack.rpc(mfa(), 'tasks/update', answer);
    assert.deepEqual(resultOf(await waitFor2026(stack, mfa(), taskId, 'completed'))['result'], { resultType: 'complete', content: [{ type: 'text', text: 'approved report' }] });
  });

  it('an answer that is not an elicitation result is -32602 and changes nothing', async () => {
    const taskId = await approval(stack);
    const bad: Array<[unknown, string]> = [
      [{ action: 'maybe' }, 'inputResponses.input-1.action must be accept, decline or cancel'],
      [{ action: 'accept', content: 'yes' }, 'inputResponses.input-1.content must be an object'],
    ];
    for (const [value, message] of bad) {
      assert.deepEqual((await stack.rpc(mfa(), 'tasks/update', { taskId, inputResponses: { 'input-1': value } })).body.error, { code: -32602, message });
    }
    assert.equal(resultOf(await stack.rpc(mfa(), 'tasks/get', { taskId }))['status'], 'input_required');
  });

  it('a task created on 2025-11-25 is polled and answered on 2026-07-28 by the same identity, and read on either wire', async () => {
    const legacy = await stack.connect(mfa());
    const { taskId } = await legacy.createTask('approve_publication', { title: 'cross' });
    await waitForStatus(legacy, taskId, 'input_required');
    const polled = resultOf(await stack.rpc(mfa(), 'tasks/get', { taskId }));
    assert.deepEqual(Object.keys(polled['inputRequests'] as object), ['input-1']);
    await stack.rpc(mfa(), 'tasks/update', { taskId, inputResponses: { 'input-1': { action: 'accept', content: { approve: true } } } });
    await waitForStatus(legacy, taskId, 'completed');
    assert.deepEqual(resultOf(await stack.rpc(mfa(), 'tasks/get', { taskId }))['result'], { resultType: 'complete', content: [{ type: 'text', text: 'approved cross' }] });
    assert.deepEqual((await legacy.result(taskId)).content, [{ type: 'text', text: 'approved cross' }]);
  });

  it('a question a 2025-11-25 tasks/result is showing, answered on 2026-07-28 first: the 2025 request ends with the result', async () => {
    let shown = 0;
    const legacy = await stack.connect(mfa(), { onElicit: () => { shown += 1; return new Promise(() => {}); } });
    const { taskId } = await legacy.createTask('approve_publication', { title: 'raced' });
    const waiting = legacy.result(taskId);
    await waitUntil(() => shown === 1);
    await stack.rpc(mfa(), 'tasks/update', { taskId, inputResponses: { 'input-1': { action: 'accept', content: { approve: true } } } });
    assert.deepEqual((await waiting).content, [{ type: 'text', text: 'approved raced' }]);
  });

  it('two questions pending at once: both shown, answered one at a time, the task waits until none is left; keys never reused', async () => {
    const who = { sub: 'alice' };
    const taskId = resultOf(await stack.rpc(who, 'tools/call', { name: 'in_parallel', arguments: {} }))['taskId'] as string;
    const both = resultOf(await waitFor2026(stack, who, taskId, (task) => Object.keys((task['inputRequests'] as object | undefined) ?? {}).length === 2));
    assert.equal(both['status'], 'input_required');
    const keys = Object.keys(both['inputRequests'] as object).sort();
    assert.deepEqual(keys, ['input-1', 'input-2']);
    const messages = Object.values(both['inputRequests'] as Record<string, { params: { message: string } }>).map((r) => r.params.message).sort();
    assert.deepEqual(messages, ['left?', 'right?']);

    // A partial answer: acknowledged, only the other key remains, and the task still waits.
    const [answered, other] = keys as [string, string];
    const ack = resultOf(await stack.rpc(who, 'tasks/update', { taskId, inputResponses: { [answered]: { action: 'accept', content: { ok: true } } } }));
    assert.equal(ack['resultType'], 'complete');
    const partial = resultOf(await stack.rpc(who, 'tasks/get', { taskId }));
    assert.equal(partial['status'], 'input_required');
    assert.deepEqual(Object.keys(partial['inputRequests'] as object), [other]);
    // The answered key again, and one never issued: ignored.
    await stack.rpc(who, 'tasks/update', { taskId, inputResponses: { [answered]: { action: 'decline' }, 'input-9': { action: 'accept' } } });
    assert.deepEqual(Object.keys(resultOf(await stack.rpc(who, 'tasks/get', { taskId }))['inputRequests'] as object), [other]);

    await stack.rpc(who, 'tasks/update', { taskId, inputResponses: { [other]: { action: 'accept', content: { ok: false } } } });
    const third = resultOf(await waitFor2026(stack, who, taskId, (task) => 'input-3' in ((task['inputRequests'] as object | undefined) ?? {})));
    assert.deepEqual(Object.keys(third['inputRequests'] as object), ['input-3']);
    await stack.rpc(who, 'tasks/update', { taskId, inputResponses: { 'input-3': { action: 'cancel' } } });
    const done = resultOf(await waitFor2026(stack, who, taskId, 'completed'));
    assert.deepEqual(done['result'], { resultType: 'complete', content: [{ type: 'text', text: 'accept:true accept:false cancel:undefined' }] });
    // Each tasks/update was decided as input, for alice, when it arrived.
    const updates = stack.audit.filter((e) => e.kind === 'decision' && e.op === 'input' && e.task_id === taskId);
    assert.ok(updates.length >= 4 && updates.every((e) => e.allow && e.principal?.sub === 'alice'));
  });

  it('both pending questions answered in one tasks/update: the task moves on with both answers', async () => {
    const who = { sub: 'alice' };
    const taskId = resultOf(await stack.rpc(who, 'tools/call', { name: 'in_parallel', arguments: {} }))['taskId'] as string;
    await waitFor2026(stack, who, taskId, (task) => Object.keys((task['inputRequests'] as object | undefined) ?? {}).length === 2);
    const yes = { action: 'accept', content: { ok: true } };
    await stack.rpc(who, 'tasks/update', { taskId, inputResponses: { 'input-1': yes, 'input-2': yes } });
    await waitFor2026(stack, who, taskId, (task) => 'input-3' in ((task['inputRequests'] as object | undefined) ?? {}));
    await stack.rpc(who, 'tasks/update', { taskId, inputResponses: { 'input-3': yes } });
    assert.deepEqual(resultOf(await waitFor2026(stack, who, taskId, 'completed'))['result'], { resultType: 'complete', content: [{ type: 'text', text: 'accept:true accept:true accept:true' }] });
  });

  it('one malformed answer among several: -32602, and none of them reaches the task', async () => {
    const who = { sub: 'alice' };
    const taskId = resultOf(await stack.rpc(who, 'tools/call', { name: 'in_parallel', arguments: {} }))['taskId'] as string;
    await waitFor2026(stack, who, taskId, (task) => Object.keys((task['inputRequests'] as object | undefined) ?? {}).length === 2);
    const reply = await stack.rpc(who, 'tasks/update', { taskId, inputResponses: { 'input-1': { action: 'accept', content: { ok: true } }, 'input-2': { action: 'maybe' } } });
    assert.deepEqual(reply.body.error, { code: -32602, message: 'inputResponses.input-2.action must be accept, decline or cancel' });
    assert.deepEqual(Object.keys(resultOf(await stack.rpc(who, 'tasks/get', { taskId }))['inputRequests'] as object).sort(), ['input-1', 'input-2']);
  });

  it('on 2025-11-25 the same questions are delivered one at a time through tasks/result, in the order asked', async () => {
    const shown: string[] = [];
    const legacy = await stack.connect({ sub: 'alice' }, { onElicit: (request) => {
      shown.push(request.params.message);
      return { action: 'accept', content: { ok: shown.length !== 2 } };
    } });
    const { taskId } = await legacy.createTask('in_parallel', {});
    assert.deepEqual((await legacy.result(taskId)).content, [{ type: 'text', text: 'accept:true accept:false accept:true' }]);
    assert.deepEqual(shown, ['left?', 'right?', 'last?']);
  });
});
