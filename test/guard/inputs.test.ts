import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadDecider } from '../../src/decision/engine.js';
import { WIRES } from '../../src/decision/types.js';
import { decisionInput, type InputParts } from '../../src/guard/inputs.js';
import type { Principal } from '../../src/identity/principal.js';
import type { TaskRecord } from '../../src/stores/types.js';

const NOW = 1763800000000;

const alice: Principal = {
  sub: 'alice', tenant: 'acme', clientId: 'reports-agent', scopes: ['reports:read', 'reports:export', 'docs:convert'], roles: ['analyst'],
  acr: '', authTimeMs: 0, issuer: 'https://idp.example', expiresAtMs: NOW + 3_600_000,
};
const bob: Principal = { ...alice, sub: 'bob', clientId: 'docs-console' };

/** A task alice created, whichever generation carried the create: the record says nothing about it. */
const aliceTask: TaskRecord = {
  id: 't-1', tool: 'convert_document', owner: { sub: 'alice', tenant: 'acme', client_id: 'reports-agent' },
  scopes: alice.scopes, status: 'working', createdMs: NOW - 1000, updatedMs: NOW - 1000, ttlMs: 600_000,
  expiresMs: NOW + 599_000, pollIntervalMs: 500, resultsRead: 0, revoked: false,
};

const parts = (p: Omit<InputParts, 'nowMs' | 'principal'> & { principal?: Principal }): InputParts => ({ nowMs: NOW, principal: alice, ...p });

describe('the decision input (src/guard/inputs.ts)', () => {
  it('says which generation carried the request, 2025-11-25 when the caller does not say', () => {
    assert.equal(decisionInput(parts({ op: 'get', task: aliceTask })).wire, '2025-11-25');
    for (const wire of WIRES) assert.equal(decisionInput(parts({ op: 'get', wire, task: aliceTask })).wire, wire);
  });

  it('keeps a create\'s ttl_ms as before and adds tasks_declared, true unless the caller says otherwise', () => {
    assert.deepEqual(decisionInput(parts({ op: 'create', tool: 'export_data' })).request, { ttl_ms: null, tasks_declared: true });
    assert.deepEqual(decisionInput(parts({ op: 'create', tool: 'export_data', requestedTtlMs: 60_000 })).request, { ttl_ms: 60_000, tasks_declared: true });
    assert.deepEqual(decisionInput(parts({ op: 'create', wire: '2026-07-28', tool: 'export_data', tasksDeclared: false })).request,
      { ttl_ms: null, tasks_declared: false });
  });

  it('gives a plain call tasks_declared alone, false unless the caller says otherwise', () => {
    assert.deepEqual(decisionInput(parts({ op: 'call', tool: 'lookup' })).request, { tasks_declared: false });
    assert.deepEqual(decisionInput(parts({ op: 'call', wire: '2026-07-28', tool: 'lookup', tasksDeclared: true })).request, { tasks_declared: true });
  });

  it('says nothing about the request for operations on a stored task, chains or lists', () => {
    for (const op of ['get', 'result', 'cancel', 'input', 'chain', 'list'] as const) {
      const input = decisionInput(parts({ op, wire: '2026-07-28', tasksDeclared: true, task: aliceTask }));
      assert.equal('request' in input, false, op);
    }
  });
});

describe('the decision input through the committed policy', () => {
  const decider = loadDecider();

  it('lets a 2026-07-28 create make a task only for a client that declared the extension', () => {
    const declared = decider.decide(decisionInput(parts({ op: 'create', wire: '2026-07-28', tool: 'export_data', tasksDeclared: true })));
    assert.deepEqual(declared, { allow: true, reasons: [], delegated: false, ttl_ms: 900_000, poll_interval_ms: 1000 });
    const undeclared = decider.decide(decisionInput(parts({ op: 'create', wire: '2026-07-28', tool: 'export_data', tasksDeclared: false })));
    assert.deepEqual(undeclared, { allow: false, reasons: ['tasks_not_declared'], delegated: false });
  });

  it('decides a create whose caller sets no wire or declaration as the 2025-11-25 create it always was', () => {
    const d = decider.decide(decisionInput(parts({ op: 'create', tool: 'export_data' })));
    assert.deepEqual(d, { allow: true, reasons: [], delegated: false, ttl_ms: 900_000, poll_interval_ms: 1000 });
  });

  it('reaches a task through either generation for its creator and refuses anyone else on both', () => {
    for (const wire of WIRES) {
      for (const op of ['get', 'cancel'] as const) {
        assert.equal(decider.decide(decisionInput(parts({ op, wire, task: aliceTask }))).allow, true, `${op} on ${wire}`);
        assert.deepEqual(decider.decide(decisionInput(parts({ op, wire, task: aliceTask, principal: bob }))).reasons,
          ['client_mismatch', 'sub_mismatch'], `${op} by bob on ${wire}`);
      }
    }
  });

  it('refuses a generation the policy does not know', () => {
    const input = { ...decisionInput(parts({ op: 'get', task: aliceTask })), wire: '2026-13-01' };
    assert.deepEqual(decider.decide(input), { allow: false, reasons: ['wire_unknown'], delegated: false });
  });
});
