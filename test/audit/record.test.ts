import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { openAuditLog } from '../../src/audit/open.js';
import { GENESIS_HASH, MAX_FIELD_CHARS, MAX_REASONS, buildRecord, hashRecord, recordLine, type AuditEntry, type AuditPrincipalInput } from '../../src/audit/record.js';
import { canonicalJson, sha256Hex } from '../../src/util/digest.js';
import { isTaskguardError } from '../../src/errors.js';
import { REVISION, alice, decision, lifecycle, tempLogFile } from './helpers.js';

const ctx = { seq: 1, timeMs: Date.UTC(2025, 10, 22, 8, 0, 0), prevHash: GENESIS_HASH, newId: () => 'd-1' };

describe('audit records', () => {
  it('a decision record carries every field, and its hash is sha256 of the canonical json without it', () => {
    const r = buildRecord(decision(3, { error: 'policy error: trap' }), ctx);
    assert.deepEqual({ ...r, hash: undefined }, {
      seq: 1, time: '2025-11-22T08:00:00.000Z', time_ms: ctx.timeMs, kind: 'decision', op: 'get', decision_id: 'd-1',
      principal: alice, task_id: 't-3', tool: 'export_data', allow: false, reasons: ['owner_mismatch'], delegated: false,
      policy_revision: REVISION, error: 'policy error: trap', prev_hash: GENESIS_HASH, hash: undefined,
    });
    const { hash, ...rest } = r;
    assert.equal(hash, sha256Hex(canonicalJson(rest)));
    assert.equal(hashRecord(r), hash);
    assert.ok(Object.isFrozen(r) && Object.isFrozen(r.principal) && Object.isFrozen(r.reasons));
  });

  it('a record is written in canonical order: its line without "hash" is what was hashed, for every kind and field mix', () => {
    // A seeded walk over optional fields, kinds and awkward strings (quotes, escapes, non-ASCII, U+2028).
    let seed = 7;
    const next = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) % n);
    const text = (): string => ['plain', 'quo"te', 'back\\slash', 'naïve ☃', 'line\u2028sep', '\u0000nul', ''][next(7)] as string;
    for (let i = 0; i < 500; i++) {
      const kind = (['decision', 'lifecycle', 'policy'] as const)[next(3)] as 'decision' | 'lifecycle' | 'policy';
      const entry: AuditEntry = kind === 'decision'
        ? { kind, op: 'get', allow: next(2) === 0, delegated: next(2) === 0, ...(next(2) ? { decision_id: text() || 'x' } : {}), ...(next(2) ? { wire: next(2) ? '2026-07-28' as const : '2025-11-25' as const } : {}) }
        : kind === 'lifecycle'
          ? { kind, event: 'status', task_id: text(), ...(next(2) ? { status: 'working' as const, status_message: text() } : {}), ...(next(2) ? { op: 'cancel' as const } : {}) }
          : {
            kind, event: next(2) ? 'activated' : 'refused', ...(next(2) ? { source: text() } : {}), ...(next(2) ? { signer_key_id: text() || 'k' } : {}),
            ...(next(2) ? { previous_policy_revision: text() || 'p', previous_data_revision: text() || 'd' } : {}),
          };
      entry.principal = next(3) === 0 ? null : { tenant: text(), sub: text(), client_id: text() };
      entry.tool = next(2) ? text() : null;
      if (kind !== 'lifecycle') entry.task_id = next(2) ? text() : null;
      entry.reasons = Array.from({ length: next(4) }, text);
      if (next(2)) entry.error = text();
      if (next(2)) entry.data_revision = text() || 'd';
      const r = buildRecord(entry, { ...ctx, seq: i + 1, policyRevision: 'p'.repeat(64) });
      const { hash, ...rest } = r;
      const line = JSON.stringify(r);
      assert.equal(line, `${canonicalJson(rest).slice(0, -1)},"hash":${JSON.stringify(hash)}}`);
      assert.equal(recordLine(r), line, 'the line kept from the build is the record\'s JSON');
      assert.equal(hash, sha256Hex(canonicalJson(rest)));
    }
  });

  it('a lifecycle record keeps its event, status and the decision that caused it, and no decision fields', () => {
    const r = buildRecord(lifecycle(1, { event: 'cancelled', op: 'cancel', decision_id: 'd-9', status: 'cancelled', status_message: 'by owner' }), ctx);
    assert.equal(r.kind, 'lifecycle');
    assert.deepEqual([r.kind === 'lifecycle' && r.event, r.op, r.decision_id, r.kind === 'lifecycle' && r.status], ['cancelled', 'cancel', 'd-9', 'cancelled']);
    assert.ok(!('allow' in r) && !('delegated' in r));
    const bare = buildRecord({ kind: 'lifecycle', event: 'expired', task_id: 't', policy_revision: REVISION }, ctx);
    assert.deepEqual([bare.principal, bare.tool, bare.reasons, 'op' in bare, 'decision_id' in bare], [null, null, [], false, false]);
  });

  it('copies only the whitelisted fields: a token riding on the entry or the principal never reaches the file', async () => {
    const token = 'eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LXBheWxvYWQ.c2lnbmF0dXJl';
    const file = tempLogFile();
    const log = await openAuditLog({ file, fsync: 'never' });
    const principal = { ...alice, scopes: ['reports:read'], raw: { access_token: token } };
    const entry = { ...decision(1), principal, token, headers: { authorization: `Bearer ${token}` } } as unknown as AuditEntry;
    const r = log.append(entry);
    log.append({ ...lifecycle(2), bearer: token } as unknown as AuditEntry);
    await log.close();
    assert.deepEqual(r.principal, alice);
    const text = readFileSync(file, 'utf8');
    assert.ok(!text.includes(token) && !text.includes('c2VjcmV0'), 'token found in the audit file');
    assert.ok(!text.includes('scopes') && !text.includes('headers'));
  });

  it('the principal type refuses an object that visibly carries a token, and accepts a richer principal', () => {
    const withToken = { ...alice, token: 'x' };
    // @ts-expect-error a principal with a token field does not type-check
    const refused: AuditPrincipalInput = withToken;
    const rich = { ...alice, scopes: ['reports:read'], roles: [], acr: '', auth_time_ms: 0 };
    const accepted: AuditPrincipalInput = rich;
    assert.ok(refused && accepted);
  });

  it('caps long strings without splitting a surrogate pair, and caps the number of reasons visibly', () => {
    const long = `${'x'.repeat(MAX_FIELD_CHARS - 2)}😀${'y'.repeat(100)}`;
    const r = buildRecord(decision(1, { tool: long, reasons: Array.from({ length: 50 }, (_, i) => `r${i}`) }), ctx);
    assert.ok(r.tool !== null && r.tool.length <= MAX_FIELD_CHARS && r.tool.endsWith('…'));
    assert.ok(!/[\ud800-\udbff](?![\udc00-\udfff])/.test(r.tool), 'lone high surrogate');
    assert.equal(r.reasons.length, MAX_REASONS);
    assert.equal(r.reasons[MAX_REASONS - 1], `... ${50 - MAX_REASONS + 1} more reasons`);
  });

  it('refuses entries that break the per-kind rules, with audit_invalid', () => {
    const bad: unknown[] = [
      null,
      { ...decision(1), kind: 'other' },
      { ...decision(1), op: 'delete' },
      { ...decision(1), allow: undefined },
      { ...decision(1), allow: 'true' },
      { ...decision(1), event: 'created' },
      { ...decision(1), principal: { tenant: 'acme', sub: 7, client_id: 'c' } },
      { ...decision(1), reasons: 'owner_mismatch' },
      { ...decision(1), policy_revision: undefined },
      { ...lifecycle(1), event: 'exploded' },
      { ...lifecycle(1), task_id: null },
      { ...lifecycle(1), allow: true },
      { ...lifecycle(1), status: 'done' },
    ];
    for (const entry of bad) {
      assert.throws(() => buildRecord(entry as AuditEntry, ctx), (err) => isTaskguardError(err) && err.code === 'audit_invalid', JSON.stringify(entry));
    }
  });
});
