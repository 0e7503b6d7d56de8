import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, waitForStatus, type Stack } from '../support/stack.js';
import { rpcError } from '../support/rpc-error.js';
import { TASKGUARD_RPC_ERRORS } from '../../src/wire/rpc-errors.js';

const nowS = (): number => Math.floor(Date.now() / 1000);
const MFA = 'urn:example:mfa';

/**
 * approve_publication asks for input, and answering needs fresh MFA (data: step_up.input, max_age 600 s).
 * The answer is decided when it arrives, with the token of the request that carries it, not only when the
 * question is delivered.
 */
describe('an answer to a task\'s question is decided as input when it arrives', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack.close();
  });

  const cases = [
    { name: 'a token without acr', answerer: { sub: 'alice' } },
    { name: 'a token whose auth_time is past max_age', answerer: { sub: 'alice', acr: MFA, authTimeS: nowS() - 3600 } },
  ];
  for (const { name, answerer } of cases) {
    it(`is refused from ${name}: nothing changes, the task stays input_required, a fresh answer goes through`, async () => {
      const fresh = { sub: 'alice', acr: MFA, authTimeS: nowS() - 10 };
      let asked = 0;
      const onElicit = () => {
        asked += 1;
        return { action: 'accept' as const, content: { approve: true } };
      };
      const staleAnswers = await stack.connect(fresh, { onElicit, answerToken: await stack.token(answerer) });
      const task = await staleAnswers.createTask('approve_publication', { title: 'q4 report' });
      await waitForStatus(staleAnswers, task.taskId, 'input_required');
      const before = await staleAnswers.getTask(task.taskId);

      const refused = await rpcError(staleAnswers.result(task.taskId));
      assert.equal(refused.code, TASKGUARD_RPC_ERRORS.stepUpRequired);
      assert.deepEqual(refused.data, { error: 'insufficient_user_authentication', acr_values: MFA, max_age: 600 });
      assert.equal(asked, 1, 'the question was shown to the fresh token');
      const after = await staleAnswers.getTask(task.taskId);
      assert.equal(after.status, 'input_required');
      assert.equal(after.lastUpdatedAt, before.lastUpdatedAt, 'the refused answer changed the task');
      const inputDecisions = stack.audit.filter((e) => e.task_id === task.taskId && e.kind === 'decision' && e.op === 'input');
      assert.deepEqual(inputDecisions.map((e) => [e.allow, e.reasons]), [[true, []], [false, ['step_up_required']]]);

      // The same question, answered with a fresh token, completes the task.
      const good = await stack.connect(fresh, { onElicit });
      assert.deepEqual((await good.result(task.taskId)).content, [{ type: 'text', text: 'approved q4 report' }]);
      assert.equal(asked, 2);
    });
  }
});

describe('who is shown a task\'s question on 2025-11-25', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack.close();
  });
  const fresh = () => ({ sub: 'alice', acr: MFA, authTimeS: nowS() - 10 });

  it('only a client that declared elicitation: another one\'s tasks/result waits for the task instead', async () => {
    const owner = await stack.connect(fresh());
    const task = await owner.createTask('approve_publication', { title: 'q5 report' });
    await waitForStatus(owner, task.taskId, 'input_required');
    // No elicitation capability: shown nothing, it just waits for the result.
    const waiting = owner.result(task.taskId);
    let asked = 0;
    const capable = await stack.connect(fresh(), { onElicit: () => ((asked += 1), { action: 'accept', content: { approve: true } }) });
    assert.deepEqual((await capable.result(task.taskId)).content, [{ type: 'text', text: 'approved q5 report' }]);
    assert.deepEqual((await waiting).content, [{ type: 'text', text: 'approved q5 report' }]);
    assert.equal(asked, 1);
  });

  it('a delivery that fails hands the question on to the next tasks/result already waiting, at once', async () => {
    let fail!: () => void;
    const failing = new Promise<never>((_, reject) => (fail = () => reject(new Error('the user closed the dialog'))));
    const first = await stack.connect(fresh(), { onElicit: () => failing });
    const task = await first.createTask('approve_publication', { title: 'q6 report' });
    await waitForStatus(first, task.taskId, 'input_required');
    const firstRead = first.result(task.taskId).then(() => 'answered', () => 'failed');
    // The question is out to the first client; the second waits behind it.
    await new Promise((r) => setTimeout(r, 100));
    const second = await stack.connect(fresh(), { onElicit: () => ({ action: 'accept', content: { approve: true } }) });
    const secondRead = second.result(task.taskId);
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    fail();
    assert.equal(await firstRead, 'failed');
    assert.deepEqual((await secondRead).content, [{ type: 'text', text: 'approved q6 report' }]);
    // Not a speed check: without the hand-on the second reader waits for the SDK's 60 s request timeout.
    assert.ok(Date.now() - started < 20_000, 'the second reader was not left waiting for a timeout');
  });
});
