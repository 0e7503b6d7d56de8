import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runWalkthrough } from '../../src/host/walkthrough.js';

describe('taskguard demo', () => {
  it('walks every policy path on a throwaway host and ends with a verified audit log', async () => {
    const lines: string[] = [];
    const code = await runWalkthrough((line) => lines.push(line));
    const text = lines.join('\n');
    assert.equal(code, 0, text);
    assert.doesNotMatch(text, /FAIL/);
    assert.match(text, /HTTP 401, WWW-Authenticate: Bearer error="insufficient_user_authentication"/);
    assert.match(text, /bob: task not found/);
    assert.match(text, /carol cancels .*: cancelled \(audited as delegated\)/);
    assert.match(text, /audit\.jsonl: ok, \d+ records/);
  });
});
