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
