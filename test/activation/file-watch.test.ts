// watchPolicyFiles on real files: debounced, one more reload for a change during one, a failing reload
// reported, nothing after close.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { watchPolicyFiles } from '../../src/activation/file-watch.js';
import { pollUntil } from '../e2e/support/host-process.js';
import { tempDir } from '../support/temp-policy.js';

describe('watchPolicyFiles', () => {
  it('reloads once for a burst of writes, once more for a write during a reload, and reports a failing reload', async () => {
    const dir = tempDir('taskguard-watch-');
    const data = path.join(dir, 'data.yaml');
    const other = path.join(dir, 'unrelated.txt');
    writeFileSync(data, 'a: 1\n');
    let reloads = 0;
    let release: (() => void) | undefined;
    const errors: string[] = [];
    const watch = watchPolicyFiles([data], async () => {
      reloads += 1;
      if (reloads === 2) await new Promise<void>((r) => (release = r));
      if (reloads === 3) throw new Error('candidate refused');
    }, { debounceMs: 150, onError: (e) => void errors.push(e.message) });
    try {
      for (let i = 0; i < 5; i++) writeFileSync(data, `a: ${i}\n`);
      await pollUntil('the first reload', async () => (reloads === 1 ? true : undefined));
      // A file beside the watched one is not the policy's.
      writeFileSync(other, 'x');
      writeFileSync(data, 'a: 10\n');
      await pollUntil('the second reload to start', async () => (release ? true : undefined));
      writeFileSync(data, 'a: 11\n'); // during the second reload: one more after it
      await new Promise((r) => setTimeout(r, 400));
      assert.equal(reloads, 2, 'no reload overlaps a running one');
      release?.();
      await pollUntil('the reload after the running one', async () => (reloads === 3 ? true : undefined));
      await pollUntil('the failure reported', async () => (errors.length === 1 ? true : undefined));
      assert.deepEqual(errors, ['candidate refused']);
    } finally {
      watch.close();
    }
    writeFileSync(data, 'a: 12\n');
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(reloads, 3, 'nothing after close');
  });
});
