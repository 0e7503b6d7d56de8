import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ledger } from './http/ledger.js';
import { leaksIn } from './http/leaks.js';
import { findingsFor } from './http/oracle.js';
import type { RawResponse } from './http/raw-http.js';
import type { Facts } from './http/render.js';

/**
 * The fuzz's judges, on answers made up to show each failure: a fuzz whose oracle missed a leak or a
 * wrong code would pass for the wrong reason.
 */
const TOKEN = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSIsInRlbmFudCI6ImFjbWUiLCJhenAiOiJyZXBvcnRzLWFnZW50In0.c2lnbmF0dXJlLW9mLWF0LWxlYXN0LWZvcnR5LWNoYXJhY3RlcnMtaGVyZQ';
const REQUEST = { jsonrpc: '2.0', id: 7, method: 'tasks/get', params: { taskId: 5 } };

function facts(overrides: Partial<Facts> = {}): Facts {
  return {
    label: 'tasks/get', attacker: 'mallory', ownSession: true, hostAllowed: true, foreignOrigin: false, conformingTransport: true,
    body: { kind: 'single', value: REQUEST }, text: JSON.stringify(REQUEST), ...overrides,
  };
}

function answer(message: unknown, status = 200): RawResponse {
  return { status, headers: { 'content-type': 'text/event-stream' }, body: `event: message\ndata: ${JSON.stringify(message)}\n\n`, timedOut: false };
}

const kinds = (found: ReadonlyArray<{ kind: string }>): string[] => found.map((f) => f.kind);

describe('fuzz oracle', () => {
  it('finds tokens and internal details in an answer, and lets the request\'s own text come back', () => {
    const leaky = answer({ jsonrpc: '2.0', id: 7, error: { code: -32602, message: `bad ${TOKEN} at /work/x/src/y.ts:12:5 (sqlstate 08006)` } });
    assert.deepEqual(new Set(kinds(leaksIn(leaky, '{}', [TOKEN], 'tasks/get'))), new Set([
      'bearer token in an answer', 'file system path in an answer', 'stack trace in an answer', 'store or network detail in an answer',
    ]));
    const zod = answer({ jsonrpc: '2.0', id: 7, error: { code: -32603, message: '[{"expected":"string","code":"invalid_type","path":["taskId"]}]' } });
    assert.deepEqual(kinds(leaksIn(zod, '{}', [], 'tasks/get')), ['zod dump in an answer']);
    const echo = answer({ jsonrpc: '2.0', id: 7, result: { content: [{ type: 'text', text: 'answer to /tmp/x' }] } });
    assert.deepEqual(leaksIn(echo, '{"q":"/tmp/x"}', [TOKEN], 'tools/call'), []);
  });

  it('passes a well-formed answer, and names each wrong one', () => {
    assert.deepEqual(findingsFor(facts(), answer({ jsonrpc: '2.0', id: 7, error: { code: -32602, message: 'invalid task id' } }), []), []);
    assert.ok(kinds(findingsFor(facts(), answer({ jsonrpc: '2.0', id: 7, error: { code: -32603, message: 'boom' } }), [])).includes('-32603 for a client mistake: `boom`'));
    assert.ok(kinds(findingsFor(facts(), answer({ jsonrpc: '2.0', id: null, error: { code: -32602, message: 'x' } }), [])).some((k) => k.startsWith('error answer without the request\'s id')));
    assert.ok(kinds(findingsFor(facts({ foreignOrigin: true }), answer({ jsonrpc: '2.0', id: 7, result: {} }), [])).includes('foreign Origin not refused with 403'));
    assert.ok(kinds(findingsFor(facts({ body: { kind: 'batch', length: 1 } }), answer({ jsonrpc: '2.0', id: 7, result: {} }), [])).includes('JSON-RPC batch served, not refused'));
    assert.ok(kinds(findingsFor(facts(), { status: 502, headers: {}, body: '', timedOut: false }, [])).includes('http 502'));
    assert.ok(kinds(findingsFor(facts({ attacker: undefined }), answer({ jsonrpc: '2.0', id: 7, result: {} }), [])).includes('a request without a valid bearer token served'));
  });

  it('holds callers to their own tasks and terminal statuses to their word', () => {
    const ledger = new Ledger();
    const created = (id: string): RawResponse => answer({ jsonrpc: '2.0', id: 1, result: { task: { taskId: id, status: 'working' } } });
    const listed = (id: string, status: string): RawResponse => answer({ jsonrpc: '2.0', id: 2, result: { tasks: [{ taskId: id, status }] } });
    assert.deepEqual(ledger.observe('mallory', facts({ label: 'tools/call (task)' }), created('t-1')), []);
    assert.deepEqual(ledger.observe('mallory', facts({ label: 'tasks/list' }), listed('t-1', 'completed')), []);
    assert.deepEqual(kinds(ledger.observe('mallory', facts({ label: 'tasks/list' }), listed('t-1', 'working'))), ['a terminal task changed status']);
    assert.deepEqual(kinds(ledger.observe('no-scopes', facts({ label: 'tasks/list' }), listed('t-1', 'completed'))), ['tasks/list shows a task the caller may not see']);
    assert.deepEqual(ledger.tasksOf('mallory'), ['t-1']);
  });
});
