import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryTaskStore } from '../../src/stores/memory.js';
import type { StatusPatch } from '../../src/stores/types.js';
import type { TaskStatus } from '../../src/decision/types.js';
import { startStack, waitForStatus } from '../support/stack.js';

/** The real memory store, whose next `failures` terminal transitions fail the way a dropped connection does. */
class BlinkingStore extends MemoryTaskStore {
  failures = 0;
  attempts = 0;
  override async transition(id: string, from: readonly TaskStatus[], patch: StatusPatch, nowMs: number) {
    if (patch.status === 'completed' || patch.status === 'failed') {
      this.attempts += 1;
      if (this.failures > 0) {
        this.failures -= 1;
        throw new Error('connection terminated unexpectedly');
      }
    }
    return super.transition(id, from, patch, nowMs);
  }
}

describe('a worker whose final write meets a blinking store', () => {
  it('retries until the task is recorded completed, instead of leaving it working', async () => {
    const store = new BlinkingStore();
    const stack = await startStack({ store });
    try {
      const alice = await stack.connect({ sub: 'alice' });
      store.failures = 2;
      const task = await alice.createTask('convert_document', { text: 'blink' });
      await waitForStatus(alice, task.taskId, 'completed', 5000);
      assert.equal(store.attempts, 3);
      assert.deepEqual((await alice.result(task.taskId)).content, [{ type: 'text', text: 'BLINK' }]);
      assert.equal(stack.audit.filter((e) => e.task_id === task.taskId && e.event === 'status' && e.status === 'completed').length, 1);
    } finally {
      await stack.close();
    }
  });
});
