import { TASK_STATUSES, type TaskStatus } from '../decision/types.js';
import type { LeaseClaim, TaskOutcome, TaskRecord } from './types.js';

/** A tasks row as better-sqlite3 returns it. */
export interface TaskRow {
  id: string;
  tool: string;
  tenant: string;
  sub: string;
  client_id: string;
  scopes: string;
  status: string;
  status_message: string | null;
  created_ms: number;
  updated_ms: number;
  ttl_ms: number;
  expires_ms: number;
  poll_interval_ms: number;
  results_read: number;
  outcome: string | null;
  revoked: number;
  idempotency_key: string | null;
  request_digest: string | null;
  instance_id: string | null;
  lease_until_ms: number | null;
}

/** The named parameters of an INSERT: every column the record carries, and the creating host's lease. */
export type TaskParams = TaskRow;

/** In `u` mode a surrogate pair is one code point, so this matches only unpaired surrogates. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * Binding fields must survive the database exactly. better-sqlite3 writes a lone surrogate as bytes that
 * read back as U+FFFD, so a task created by sub "x\uD800" would come back owned by "x\uFFFD\uFFFD\uFFFD",
 * which is a different principal that could then pass the policy's owner check. Such a record is refused.
 */
function exact(field: string, value: string): string {
  if (LONE_SURROGATE.test(value)) throw new Error(`task ${field} is not well-formed Unicode`);
  return value;
}

/** Display text only: a lone surrogate (say, an emoji cut in half by a length limit) becomes U+FFFD. */
export function displayText(value: string): string {
  return value.replace(/[\uD800-\uDFFF]/gu, '\uFFFD');
}

export function toParams(record: TaskRecord, claim?: LeaseClaim): TaskParams {
  return {
    id: exact('id', record.id),
    tool: exact('tool', record.tool),
    tenant: exact('owner tenant', record.owner.tenant),
    sub: exact('owner sub', record.owner.sub),
    client_id: exact('owner client_id', record.owner.client_id),
    scopes: JSON.stringify(record.scopes.map((s) => exact('scope', s))),
    status: record.status,
    status_message: record.statusMessage === undefined ? null : displayText(record.statusMessage),
    created_ms: record.createdMs,
    updated_ms: record.updatedMs,
    ttl_ms: record.ttlMs,
    expires_ms: record.expiresMs,
    poll_interval_ms: record.pollIntervalMs,
    results_read: record.resultsRead,
    // JSON.stringify escapes lone surrogates, so the outcome round-trips exactly whatever it holds.
    outcome: record.outcome === undefined ? null : JSON.stringify(record.outcome),
    revoked: record.revoked ? 1 : 0,
    idempotency_key: record.idempotency ? exact('idempotency key', record.idempotency.key) : null,
    request_digest: record.idempotency?.digest ?? null,
    instance_id: claim ? exact('instance id', claim.instanceId) : null,
    lease_until_ms: claim ? claim.leaseUntilMs : null,
  };
}

/** A fresh record for every call: nothing returned shares state with the store or with another answer. */
export function toRecord(row: TaskRow): TaskRecord {
  const record: TaskRecord = {
    id: row.id,
    tool: row.tool,
    owner: { sub: row.sub, tenant: row.tenant, client_id: row.client_id },
    scopes: parseScopes(row.scopes),
    status: parseStatus(row.status),
    createdMs: row.created_ms,
    updatedMs: row.updated_ms,
    ttlMs: row.ttl_ms,
    expiresMs: row.expires_ms,
    pollIntervalMs: row.poll_interval_ms,
    resultsRead: row.results_read,
    revoked: row.revoked === 1,
  };
  if (row.status_message !== null) record.statusMessage = row.status_message;
  if (row.outcome !== null) record.outcome = parseOutcome(row.outcome);
  if (row.idempotency_key !== null && row.request_digest !== null) record.idempotency = { key: row.idempotency_key, digest: row.request_digest };
  return record;
}

// A row that does not parse fails the operation: the guard then fails closed rather than decide on garbage.

function parseStatus(value: string): TaskStatus {
  const status = TASK_STATUSES.find((s) => s === value);
  if (!status) throw new Error('task row has an unknown status');
  return status;
}

function parseScopes(text: string): string[] {
  const value: unknown = JSON.parse(text);
  if (!Array.isArray(value) || !value.every((s): s is string => typeof s === 'string')) throw new Error('task row has malformed scopes');
  return value;
}

function parseOutcome(text: string): TaskOutcome {
  const value: unknown = JSON.parse(text);
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const o = value as Record<string, unknown>;
    const result = o['result'];
    if (o['kind'] === 'result' && typeof result === 'object' && result !== null && !Array.isArray(result)) {
      return { kind: 'result', result: result as Record<string, unknown> };
    }
    if (o['kind'] === 'error' && typeof o['code'] === 'number' && typeof o['message'] === 'string') {
      return { kind: 'error', code: o['code'], message: o['message'] };
    }
  }
  throw new Error('task row has a malformed outcome');
}
