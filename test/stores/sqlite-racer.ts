/**
 * One side of the cross-process race in sqlite.test.ts: opens the shared file, waits for the common start
 * time, then tries to settle every race task and to take every single read (both in its own order). Prints what it won as JSON.
 * Usage: sqlite-racer.ts FILE cancel|complete COUNT START_AT_MS
 */
import { SqliteTaskStore } from '../../src/stores/sqlite.js';

const [file, role, countText, startText] = process.argv.slice(2);
if (!file || (role !== 'cancel' && role !== 'complete')) throw new Error('usage: sqlite-racer.ts FILE cancel|complete COUNT START_AT_MS');
const count = Number(countText);
const store = await SqliteTaskStore.open(file);
// Both processes start together; a busy wait is more exact than a timer, and it is short.
while (Date.now() < Number(startText));

const cas: string[] = [];
const reads: string[] = [];
// The two sides walk the tasks from opposite ends, so each wins about half and they collide in the middle
// (walking the same way, whichever side starts first would simply win everything).
for (let n = 0; n < count; n++) {
  const i = role === 'cancel' ? n : count - 1 - n;
  const won = await store.transition(`race-${i}`, ['working', 'input_required'], role === 'cancel'
    ? { status: 'cancelled', outcome: { kind: 'error', code: -32800, message: 'task was cancelled' } }
    : { status: 'completed', outcome: { kind: 'result', result: { by: role } } }, Date.now());
  if (won) cas.push(won.id);
  const read = await store.recordResultRead(`once-${i}`, true);
  if (read?.outcome?.kind === 'result' && read.outcome.result['secret'] === i) reads.push(read.id);
}
await store.close();
process.stdout.write(JSON.stringify({ role, cas, reads }));
