// The host's shortcut past the SDK's JSONRPCMessageSchema: whatever it lets through, the schema accepts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js';
import { isPlainMessage } from '../../src/http/plain-message.js';

/** Messages near the plain shape: the right keys and some wrong ones, ids and params of every kind. */
const nearMessage = fc.record({
  jsonrpc: fc.oneof({ arbitrary: fc.constant('2.0'), weight: 8 }, fc.constantFrom('1.0', 2, undefined)),
  id: fc.oneof(fc.string(), fc.integer(), fc.double(), fc.constant(null), fc.constant(undefined), fc.constant(2 ** 60)),
  method: fc.oneof({ arbitrary: fc.constantFrom('tools/call', 'tasks/get', 'notifications/initialized'), weight: 8 }, fc.integer(), fc.constant(undefined)),
  params: fc.oneof(
    fc.constant(undefined), fc.constant(null), fc.array(fc.integer()), { arbitrary: fc.dictionary(fc.string(), fc.jsonValue()), weight: 6 },
    fc.record({ _meta: fc.jsonValue(), name: fc.string() }), fc.record({ _meta: fc.record({ progressToken: fc.oneof(fc.integer(), fc.double(), fc.string()) }) }),
  ),
  extra: fc.oneof({ arbitrary: fc.constant(undefined), weight: 8 }, fc.jsonValue()),
}).map((m) => {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(m)) if (v !== undefined) out[k === 'extra' ? 'result' : k] = v;
  return out;
});

describe('isPlainMessage', () => {
  it('never lets through what JSONRPCMessageSchema refuses (20,000 messages near the plain shape)', () => {
    let plain = 0;
    fc.assert(fc.property(fc.oneof(nearMessage, fc.jsonValue()), (body) => {
      if (!isPlainMessage(body)) return true;
      plain += 1;
      return JSONRPCMessageSchema.safeParse(body).success;
    }), { numRuns: 20_000, seed: 20251125 });
    assert.ok(plain > 500, `the property must see plain messages too (saw ${plain})`);
  });

  it('takes the common requests and notifications, and leaves _meta and odd shapes to the schema', () => {
    assert.equal(isPlainMessage({ jsonrpc: '2.0', id: 1, method: 'tasks/get', params: { taskId: 't' } }), true);
    assert.equal(isPlainMessage({ jsonrpc: '2.0', method: 'notifications/initialized' }), true);
    assert.equal(isPlainMessage({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { _meta: { progressToken: 1 } } }), false);
    assert.equal(isPlainMessage({ jsonrpc: '2.0', id: 1.5, method: 'x' }), false);
    assert.equal(isPlainMessage({ jsonrpc: '2.0', id: 1, result: {} }), false);
    assert.equal(isPlainMessage(JSON.parse('{"jsonrpc":"2.0","id":1,"method":"x","__proto__":{}}')), false);
  });
});
