import type { TaskRecord, LeaseClaim } from './types.js';
import { displayText, toRecord, type TaskRow } from './sqlite-rows.js';

/**
 * A tasks row as pg returns it: SQLite's row shape (BIGINT columns parsed to numbers by the store's type
 * parser), with a real boolean for `revoked` and `status_message` held as JSON text (see encodeMessage).
 */
export interface PgTaskRow extends Omit<TaskRow, 'revoked'> {
  revoked: boolean;
}

/** The named parameters of an INSERT: every column the record carries, and the creating host's lease. */
export type PgTaskParams = PgTaskRow;

/** In `u` mode a surrogate pair is one code point, so this matches U+0000 and unpaired surrogates only. */
const UNSTORABLE = /[\u0000\uD800-\uDFFF]/u;

/**
 * Whether PostgreSQL text holds `value` exactly. It refuses U+0000 outright, and pg encodes a lone
 * surrogate as U+FFFD, so a look-up for "x\uD800" would otherwise find a task named "x\uFFFD".
 */
export function storable(value: string): boolean {
  return !UNSTORABLE.test(value);
}

/**
 * Binding fields must survive the database exactly: a task created by sub "x\uD800" must not come back
 * owned by "x\uFFFD", another principal that could then pass the policy's owner check. Such a record is
 * refused, never altered.
 */
export function exact(field: string, value: string): string {
  if (value.includes('\u0000')) throw new Error(`task ${field} contains U+0000, which PostgreSQL cannot store`);
  if (!storable(value)) throw new Error(`task ${field} is not well-formed Unicode`);
  return value;
}

/** BIGINT columns take safe integers only: anything else would be refused by the server or rounded. */
export function integer(field: string, value: number): number {
  if (!Number.isSafeInteger(value)) throw new Error(`task ${field} is not a safe integer`);
  return value;
}

/**
 * Status messages are display text: a lone surrogate (an emoji cut in half by a length limit) becomes
 * U+FFFD as in every store, and the result is stored as JSON so U+0000 and control characters round-trip.
 */
export function encodeMessage(message: string): string {
  return JSON.stringify(displayText(message));
}

/** JSON.stringify escapes lone surrogates and U+0000, so the outcome round-trips exactly whatever it holds. */
export function encodeOutcome(outcome: TaskRecord['outcome']): string | null {
  return outcome === undefined ? null : JSON.stringify(outcome);
}

export function toParams(record: TaskRecord, claim?: LeaseClaim): PgTaskParams {
  return {
    id: exact('id', record.id),
    tool: exact('tool', record.tool),
    tenant: exact('owner tenant', record.owner.tenant),
    sub: exact('owner sub', record.owner.sub),
    client_id: exact('owner client_id', record.owner.client_id),
    scopes: JSON.stringify(record.scopes.map((s) => exact('scope', s))),
    status: record.status,
    status_message: record.statusMessage === undefined ? null : encodeMessage(record.statusMessage),
    created_ms: integer('createdMs', record.createdMs),
    updated_ms: integer('updatedMs', record.updatedMs),
    ttl_ms: integer('ttlMs', record.ttlMs),
    expires_ms: integer('expiresMs', record.expiresMs),
    poll_interval_ms: integer('pollIntervalMs', record.pollIntervalMs),
    results_read: integer('resultsRead', record.resultsRead),
    outcome: encodeOutcome(record.outcome),
    revoked: record.revoked,
    idempotency_key: record.idempotency ? exact('idempotency key', record.idempotency.key) : null,
    request_digest: record.idempotency ? exact('request digest', record.idempotency.digest) : null,
    instance_id: claim ? exact('instance id', claim.instanceId) : null,
    lease_until_ms: claim ? integer('lease end', claim.leaseUntilMs) : null,
  };
}

/**
 * A fresh record for every call, parsed exactly as SqliteTaskStore parses its rows (scopes, status and
 * outcome are checked there): a row that does not parse fails the operation, so the guard fails closed.
 */
export function fromRow(row: PgTaskRow): TaskRecord {
  return toRecord({ ...row, status_message: decodeMessage(row.status_message), revoked: row.revoked ? 1 : 0 });
}

function decodeMessage(text: string | null): string | null {
  if (text === null) return null;
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'string') throw new Error('task row has a malformed status message');
  return value;
}
