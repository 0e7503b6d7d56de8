import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EventV1 } from '../../src/decision-log/event.js';
import { applyMask, configMaskRules, digestOf, parseDropResult, parseMaskResult } from '../../src/decision-log/mask.js';
import { isTaskguardError } from '../../src/errors.js';

const event = (input: unknown, result: unknown = { allow: true, reasons: [] }): EventV1 => ({
  labels: { id: 'h', version: 'v' }, decision_id: '00000000-0000-4000-8000-000000000000', path: 'taskguard/tasks/decision',
  input, result, timestamp: '2026-12-01T00:00:00.000000000Z',
});

const masked = (e: EventV1, result: unknown): EventV1 => {
  applyMask(e, parseMaskResult([{ result }]));
  return e;
};

describe('mask rules, as OPA applies system.log.mask', () => {
  it('a pointer string removes and is listed in erased; an upsert object sets and is listed in masked', () => {
    const e = masked(event({ user: 'alice', password: 's3cret' }), ['/input/password', { op: 'upsert', path: '/input/user', value: '**REDACTED**' }]);
    assert.deepEqual(e.input, { user: '**REDACTED**' });
    assert.deepEqual(e.erased, ['/input/password']);
    assert.deepEqual(e.masked, ['/input/user']);
  });

  it('a path that does not resolve is skipped and not listed; an upsert creates missing objects on the way', () => {
    const e = masked(event({ a: 1 }), ['/input/missing/deep', { op: 'upsert', path: '/input/x/y', value: 2 }, { op: 'remove', path: '/result/nope' }]);
    assert.deepEqual(e.input, { a: 1, x: { y: 2 } });
    assert.equal(e.erased, undefined);
    assert.deepEqual(e.masked, ['/input/x/y']);
  });

  it('array indexes: remove takes the element out, upsert replaces it, out of range is skipped', () => {
    const e = masked(event({ scopes: ['a', 'b', 'c'], roles: ['r'] }), ['/input/scopes/1', { op: 'upsert', path: '/input/roles/0', value: 'x' }, '/input/roles/5']);
    assert.deepEqual(e.input, { scopes: ['a', 'c'], roles: ['x'] });
    assert.deepEqual(e.erased, ['/input/scopes/1']);
  });

  it('the whole input or result: removed or replaced', () => {
    const e = masked(event({ a: 1 }, { allow: true }), ['/input', { op: 'upsert', path: '/result', value: 'hidden' }]);
    assert.equal('input' in e, false);
    assert.equal(e.result, 'hidden');
  });

  it('never writes the objects it was given: the guard\'s input and decision stay as they were', () => {
    const input = { task: { id: 'tid-1', owner: { sub: 'alice' } }, scopes: ['a'] };
    const result = { allow: true, reasons: [] };
    const frozen = structuredClone({ input, result });
    const e = masked(event(input, result), ['/input/task/owner/sub', '/input/scopes/0', { op: 'upsert', path: '/result/allow', value: false }]);
    applyMask(e, configMaskRules({ hash: ['/input/task/id'], erase: [] }));
    assert.deepEqual({ input, result }, frozen);
    assert.deepEqual(e.input, { task: { id: digestOf('tid-1'), owner: {} }, scopes: [] });
  });

  it('undefined (an empty result set) masks nothing; malformed answers throw, so the event is dropped', () => {
    assert.deepEqual(parseMaskResult([]), []);
    const bad: unknown[] = [
      'not a result set', [{ result: 'a string' }], [{ result: [42] }], [{ result: ['input/no-slash'] }], [{ result: ['/principal/sub'] }],
      [{ result: [{ op: 'replace', path: '/input/a' }] }], [{ result: [{ op: 'remove' }] }], [{ result: [] }, { result: [] }], [{ notResult: [] }],
    ];
    for (const resultSet of bad) {
      assert.throws(() => parseMaskResult(resultSet), (err) => isTaskguardError(err) && err.code === 'log_rule_invalid', JSON.stringify(resultSet));
    }
  });

  it('drop: true drops, false or undefined keeps, anything else throws', () => {
    assert.equal(parseDropResult([{ result: true }]), true);
    assert.equal(parseDropResult([{ result: false }]), false);
    assert.equal(parseDropResult([]), false);
    assert.throws(() => parseDropResult([{ result: 'yes' }]));
    assert.throws(() => parseDropResult(undefined));
  });
});

describe('the config masks', () => {
  it('hash replaces a value with sha256:<12 hex> of it (listed in masked), erase removes (listed in erased)', () => {
    const e = event({ task: { id: 'tid-1' }, principal: { sub: 'alice', tenant: 'acme' } });
    applyMask(e, configMaskRules({ hash: ['/input/task/id'], erase: ['/input/principal/sub'] }));
    assert.deepEqual(e.input, { task: { id: digestOf('tid-1') }, principal: { tenant: 'acme' } });
    assert.match(digestOf('tid-1'), /^sha256:[0-9a-f]{12}$/);
    assert.notEqual(digestOf('tid-1'), digestOf('tid-2'));
    assert.deepEqual(e.masked, ['/input/task/id']);
    assert.deepEqual(e.erased, ['/input/principal/sub']);
  });

  it('an input without a task (list, call) is left as it is', () => {
    const e = event({ op: 'list' });
    applyMask(e, configMaskRules({ hash: ['/input/task/id'], erase: [] }));
    assert.deepEqual(e.input, { op: 'list' });
    assert.equal(e.masked, undefined);
  });
});
