import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { z } from 'zod';
import type { Who } from '../support/stack.js';
import { nowS } from '../attacks/helpers.js';
import { CLIENT_INFO, DECLARING, resultOf, startStack2026, waitFor2026, type Stack2026 } from './support.js';

/**
 * Input in rounds on a plain 2026-07-28 tools/call (MRTR): the tool ends a round with input requests, the
 * client retries with the answers and the request state, and each retry is decided as `input` on arrival,
 * with the retrying request's principal. The state is the guard's, sealed for the caller, tool and arguments.
 */

const alice: Who = { sub: 'alice' };
const ASKING = { ...DECLARING, elicitation: {}, sampling: {} };
const cityShape = { city: z.string() };

/** A raw tools/call of trip_planner with these MRTR fields and capabilities. */
function plan(stack: Stack2026, who: Who, retry: Record<string, unknown> = {}, capabilities: Record<string, unknown> = ASKING, city = 'Oslo') {
  return stack.rpc(who, 'tools/call', { name: 'trip_planner', arguments: { city }, ...retry }, { capabilities });
}

const inputDecisions = (stack: Stack2026) => stack.audit.filter((e) => e.kind === 'decision' && e.op === 'input' && e.tool === 'trip_planner');

describe('input rounds on a plain 2026-07-28 tools/call', () => {
  let stack: Stack2026;
  let runs: number;
  beforeEach(async () => {
    runs = 0;
    stack = await startStack2026({ data: { tools: { trip_planner: { task_support: 'forbidden', risk: 'low', required_scopes: ['reports:read'] } } } });
    // Two rounds: the dates by elicitation, then (with the dates kept in the state) a sampled suggestion.
    stack.guard.registerTool('trip_planner', { description: 'plans a trip in two rounds', inputSchema: cityShape }, (args, ctx) => {
      runs += 1;
      const rounds = ctx.rounds!;
      const city = String(args['city']);
      const kept = rounds.state as { dates?: string } | undefined;
      if (kept?.dates === undefined) {
        const answer = rounds.responses['dates'] as { action?: string; content?: { dates?: unknown } } | undefined;
        const dates = answer?.action === 'accept' ? answer.content?.dates : undefined;
        if (typeof dates !== 'string') {
          return Promise.resolve(rounds.ask({ dates: { method: 'elicitation/create', params: { mode: 'form', message: `When to ${city}?`, requestedSchema: { type: 'object', properties: { dates: { type: 'string' } }, required: ['dates'] } } } }));
        }
        return Promise.resolve(rounds.ask({ idea: { method: 'sampling/createMessage', params: { messages: [{ role: 'user', content: { type: 'text', text: `an idea for ${city}` } }], maxTokens: 20 } } }, { dates }));
      }
      const idea = (rounds.responses['idea'] as { content?: { text?: string } } | undefined)?.content?.text ?? 'no idea';
      return Promise.resolve({ content: [{ type: 'text', text: `${city} on ${kept.dates}: ${idea} (round ${rounds.round})` }] });
    });
  });
  afterEach(async () => {
    await stack.close();
  });

  it('a @modelcontextprotocol/client 2.x client answers both rounds through its own handlers and gets the result', async () => {
    const client = new Client(CLIENT_INFO, { versionNegotiation: { mode: 'auto' }, capabilities: { elicitation: { form: {} }, sampling: {} } });
    const asked: string[] = [];
    client.setRequestHandler('elicitation/create', (request) => {
      asked.push(request.params.message);
      return Promise.resolve({ action: 'accept' as const, content: { dates: 'May 1-3' } });
    });
    client.setRequestHandler('sampling/createMessage', () => {
      asked.push('sampling');
      return Promise.resolve({ role: 'assistant' as const, content: { type: 'text' as const, text: 'see the fjords' }, model: 'test-model', stopReason: 'endTurn' });
    });
    await client.connect(new StreamableHTTPClientTransport(new URL(stack.url2026), { requestInit: { headers: { Authorization: `Bearer ${await stack.token(alice)}` } } }));
    try {
      const result = await client.callTool({ name: 'trip_planner', arguments: { city: 'Oslo' } });
      assert.deepEqual(result.content, [{ type: 'text', text: 'Oslo on May 1-3: see the fjords (round 3)' }]);
      assert.deepEqual(asked, ['When to Oslo?', 'sampling']);
    } finally {
      await client.close();
    }
    assert.equal(runs, 3);
    // The first call is decided as call, each retry as input, all for alice, who answered.
    const calls = stack.audit.filter((e) => e.kind === 'decision' && e.op === 'call' && e.tool === 'trip_planner');
    assert.equal(calls.length, 1);
    assert.equal(inputDecisions(stack).length, 2);
    assert.ok(inputDecisions(stack).every((e) => e.allow && e.principal?.sub === 'alice' && e.task_id === null));
  });

  it('a round answers input_required with its questions and an opaque state that names neither the caller nor what the tool kept', async () => {
    const first = resultOf(await plan(stack, alice));
    assert.equal(first['resultType'], 'input_required');
    assert.deepEqual(Object.keys(first['inputRequests'] as object), ['dates']);
    const state = first['requestState'] as string;
    const second = resultOf(await plan(stack, alice, { inputResponses: { dates: { action: 'accept', content: { dates: 'June' } } }, requestState: state }));
    assert.equal(second['resultType'], 'input_required');
    assert.deepEqual(Object.keys(second['inputRequests'] as object), ['idea']);
    const kept = second['requestState'] as string;
    assert.notEqual(kept, state);
    for (const token of [state, kept]) {
      const visible = Buffer.from(token.slice(3), 'base64url').toString('latin1');
      for (const secret of ['alice', 'acme', 'June', 'trip_planner', 'dates']) assert.ok(!visible.includes(secret), `the state shows ${secret}`);
    }
    const done = resultOf(await plan(stack, alice, { inputResponses: { idea: { role: 'assistant', content: { type: 'text', text: 'walk' }, model: 'm' } }, requestState: kept }));
    assert.deepEqual(done['content'], [{ type: 'text', text: 'Oslo on June: walk (round 3)' }]);
  });

  it('answers to keys the previous round did not ask are ignored, and answers without a state answer nothing', async () => {
    const state = resultOf(await plan(stack, alice))['requestState'];
    // Only `dates` was asked: an `idea` smuggled in on the first retry does not reach the tool.
    const smuggled = resultOf(await plan(stack, alice, {
      inputResponses: { dates: { action: 'accept', content: { dates: 'July' } }, idea: { content: { type: 'text', text: 'smuggled' } } }, requestState: state,
    }));
    assert.deepEqual(Object.keys(smuggled['inputRequests'] as object), ['idea']);
    // No state: nothing is outstanding, so the tool asks its first question again.
    const stateless = resultOf(await plan(stack, alice, { inputResponses: { dates: { action: 'accept', content: { dates: 'July' } } } }));
    assert.deepEqual(Object.keys(stateless['inputRequests'] as object), ['dates']);
  });

  it('a question needs its capability declared on the request: -32021 naming it, and nothing is asked', async () => {
    const reply = await plan(stack, alice, {}, DECLARING);
    assert.deepEqual(reply.body.error, { code: -32021, message: 'missing required client capability', data: { requiredCapabilities: { elicitation: {} } } });
    assert.equal(reply.status, 400);
  });

  it('a malformed answer is no answer: it never reaches the tool, which asks again', async () => {
    const state = resultOf(await plan(stack, alice))['requestState'];
    for (const inputResponses of [{ dates: 12345 }, { dates: null }, { dates: ['accept'] }, { dates: 'accept' }]) {
      const asked = resultOf(await plan(stack, alice, { inputResponses, requestState: state }));
      assert.deepEqual(Object.keys(asked['inputRequests'] as object), ['dates'], JSON.stringify(inputResponses));
    }
  });

  it('each retry is decided on arrival: a token that lost the tool\'s scope is refused, step-up for input is asked of the retry', async () => {
    const state = resultOf(await plan(stack, alice))['requestState'];
    const answer = { inputResponses: { dates: { action: 'accept', content: { dates: 'May' } } }, requestState: state };
    const scopeless = await plan(stack, { sub: 'alice', scope: 'docs:convert' }, answer);
    assert.deepEqual(scopeless.body.error, { code: -32003, message: 'access denied', data: { reasons: ['insufficient_scope'] } });

    const stepped = await startStack2026({ data: { tools: { trip_planner: { task_support: 'forbidden', risk: 'low', step_up: { input: { acr_values: ['urn:example:mfa'], max_age_s: 600 } } } } } });
    try {
      stepped.guard.registerTool('trip_planner', { description: 'asks once', inputSchema: cityShape }, (_args, ctx) => {
        if (ctx.rounds!.round === 1) return Promise.resolve(ctx.rounds!.ask({ dates: { method: 'elicitation/create', params: { mode: 'form', message: 'when?', requestedSchema: { type: 'object', properties: {} } } } }));
        return Promise.resolve({ content: [{ type: 'text', text: 'planned' }] });
      });
      const asked = resultOf(await plan(stepped, alice))['requestState'];
      const retry = { inputResponses: { dates: { action: 'accept', content: {} } }, requestState: asked };
      // The HTTP host's preflight routes the retry as the round it is: the RFC 9470 401, before the tool runs.
      const refused = await plan(stepped, alice, retry);
      assert.equal(refused.status, 401);
      assert.match(refused.wwwAuthenticate ?? '', /insufficient_user_authentication/);
      assert.equal(refused.body.error?.code, -32004);
      const fresh = resultOf(await plan(stepped, { sub: 'alice', acr: 'urn:example:mfa', authTimeS: nowS() - 5 }, retry));
      assert.deepEqual(fresh['content'], [{ type: 'text', text: 'planned' }]);
      // The preflight's decision is the round's: the allowed retry was decided once.
      assert.equal(stepped.audit.filter((e) => e.kind === 'decision' && e.op === 'input' && e.allow).length, 1);
    } finally {
      await stepped.close();
    }
  });
});

describe('input gathered in rounds before a 2026-07-28 call becomes a task (GuardedToolConfig.gather)', () => {
  let stack: Stack2026;
  const WITH_TASKS = { ...DECLARING, elicitation: {} };
  beforeEach(async () => {
    stack = await startStack2026({ data: { tools: { book_trip: { task_support: 'required', risk: 'low', required_scopes: ['reports:read'] } } } });
    stack.guard.registerTool('book_trip', {
      description: 'asks for the dates, then books as a task',
      inputSchema: cityShape,
      gather(args, rounds) {
        const answer = rounds.responses['dates'] as { action?: string; content?: { dates?: unknown } } | undefined;
        const dates = answer?.action === 'accept' ? answer.content?.dates : undefined;
        if (typeof dates === 'string') return { dates };
        return rounds.ask({ dates: { method: 'elicitation/create', params: { mode: 'form', message: `When to ${String(args['city'])}?`, requestedSchema: { type: 'object', properties: { dates: { type: 'string' } }, required: ['dates'] } } } });
      },
    }, (args, ctx) => Promise.resolve({ content: [{ type: 'text', text: `booked ${String(args['city'])} for ${(ctx.gathered as { dates: string }).dates}` }] }));
  });
  afterEach(async () => {
    await stack.close();
  });

  const book = (who: Who, retry: Record<string, unknown> = {}, capabilities: Record<string, unknown> = WITH_TASKS) =>
    stack.rpc(who, 'tools/call', { name: 'book_trip', arguments: { city: 'Rome' }, ...retry }, { capabilities });
  const created = () => stack.audit.filter((e) => e.kind === 'lifecycle' && e.event === 'created' && e.tool === 'book_trip');

  it('the first round asks (no task yet); the retry with the answer is the task, whose result carries what was gathered', async () => {
    const first = resultOf(await book(alice));
    assert.equal(first['resultType'], 'input_required');
    assert.equal('taskId' in first, false);
    assert.equal(created().length, 0);
    const task = resultOf(await book(alice, { inputResponses: { dates: { action: 'accept', content: { dates: 'Easter' } } }, requestState: first['requestState'] }));
    assert.equal(task['resultType'], 'task');
    assert.equal('requestState' in task, false);
    assert.equal('inputRequests' in task, false);
    const done = resultOf(await waitFor2026(stack, alice, task['taskId'] as string, 'completed'));
    assert.deepEqual(done['result'], { resultType: 'complete', content: [{ type: 'text', text: 'booked Rome for Easter' }] });
    // create for the first round and again for the task itself, input for the retry: all alice's.
    const decisions = stack.audit.filter((e) => e.kind === 'decision' && e.tool === 'book_trip' && (e.op === 'create' || e.op === 'input'))
      .map((e) => `${e.op}:${String(e.allow)}:${e.principal?.sub}`);
    assert.deepEqual(decisions, ['create:true:alice', 'input:true:alice', 'create:true:alice']);
    assert.equal(created().length, 1);
  });

  it('a request that cannot take a task is -32021 before anything is asked, on the first round and on the last', async () => {
    const tasksMissing = { code: -32021, message: 'missing required client capability', data: { requiredCapabilities: { extensions: { 'io.modelcontextprotocol/tasks': {} } } } };
    assert.deepEqual((await book(alice, {}, { elicitation: {} })).body.error, tasksMissing);
    const state = resultOf(await book(alice))['requestState'];
    const last = await book(alice, { inputResponses: { dates: { action: 'accept', content: { dates: 'May' } } }, requestState: state }, { elicitation: {} });
    assert.deepEqual(last.body.error, tasksMissing);
    assert.equal(created().length, 0);
  });

  it('on 2025-11-25, where the client asks for the task, the gathering runs inside it: its question goes out through tasks/result', async () => {
    const shown: string[] = [];
    const legacy = await stack.connect(alice, { onElicit: (request) => {
      shown.push(request.params.message);
      return { action: 'accept', content: { dates: 'June' } };
    } });
    const { taskId } = await legacy.createTask('book_trip', { city: 'Rome' });
    assert.deepEqual((await legacy.result(taskId)).content, [{ type: 'text', text: 'booked Rome for June' }]);
    assert.deepEqual(shown, ['When to Rome?']);
  });
});

describe('request states across hosts', () => {
  it('a state sealed by one host opens on another sharing its secret (cursor_secret), and on no other', async () => {
    const secret = new Uint8Array(32).fill(7);
    const data = { tools: { one_question: { task_support: 'forbidden', risk: 'low' } } };
    const first = await startStack2026({ data, guard: { cursorSecret: secret } });
    const signing = { privateKey: first.signingKey, publicJwk: first.publicJwk };
    const sharing = await startStack2026({ data, guard: { cursorSecret: secret }, signing });
    const other = await startStack2026({ data, guard: { cursorSecret: new Uint8Array(32).fill(8) }, signing });
    try {
      for (const stack of [first, sharing, other]) {
        stack.guard.registerTool('one_question', { description: 'asks once', inputSchema: {} }, (_args, ctx) => Promise.resolve(ctx.rounds!.responses['ok']
          ? { content: [{ type: 'text', text: 'answered' }] }
          : ctx.rounds!.ask({ ok: { method: 'elicitation/create', params: { mode: 'form', message: 'ok?', requestedSchema: { type: 'object', properties: {} } } } })));
      }
      const call = (stack: Stack2026, retry: Record<string, unknown> = {}) =>
        stack.rpc(alice, 'tools/call', { name: 'one_question', arguments: {}, ...retry }, { capabilities: { elicitation: {} } });
      const state = resultOf(await call(first))['requestState'];
      const retry = { inputResponses: { ok: { action: 'accept', content: {} } }, requestState: state };
      assert.deepEqual(resultOf(await call(sharing, retry))['content'], [{ type: 'text', text: 'answered' }]);
      assert.equal((await call(other, retry)).body.error?.code, -32602);
    } finally {
      for (const stack of [first, sharing, other]) await stack.close();
    }
  });
});
