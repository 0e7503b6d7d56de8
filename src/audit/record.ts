import { randomUUID } from 'node:crypto';
import { OPERATIONS, TASK_STATUSES, WIRES, type Operation, type TaskStatus, type Wire } from '../decision/types.js';
import { TaskguardError } from '../errors.js';
import { canonicalJson, sha256Hex } from '../util/digest.js';

export const AUDIT_KINDS = ['decision', 'lifecycle', 'policy'] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];

export const LIFECYCLE_EVENTS = ['created', 'create_replayed', 'status', 'result_read', 'cancelled', 'expired', 'revoked', 'orphaned'] as const;
export type LifecycleEvent = (typeof LIFECYCLE_EVENTS)[number];

/** What happened to the policy: a snapshot went live, or a candidate was refused and the live one kept. */
export const POLICY_EVENTS = ['activated', 'refused'] as const;
export type PolicyEvent = (typeof POLICY_EVENTS)[number];

/** prev_hash of the first record of a chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** Longest string kept in a record; longer ones are cut and end in an ellipsis. */
export const MAX_FIELD_CHARS = 512;
/** Most reasons kept in a record; the last kept one then says how many were dropped. */
export const MAX_REASONS = 32;

/** Who acted, as recorded: the three binding fields and nothing else. */
export interface AuditPrincipal {
  readonly tenant: string;
  readonly sub: string;
  readonly client_id: string;
}

/**
 * What callers may hand in as a principal. The `never` fields make an object that visibly carries a
 * credential a compile error; whatever else it carries is dropped at runtime, since only the three binding
 * fields are copied.
 */
export interface AuditPrincipalInput extends AuditPrincipal {
  readonly token?: never;
  readonly access_token?: never;
  readonly id_token?: never;
  readonly refresh_token?: never;
  readonly authorization?: never;
  readonly bearer?: never;
  readonly password?: never;
  readonly secret?: never;
}

/**
 * What a caller appends. Flat rather than a union so the guard can build one shape for both kinds; `append`
 * checks the per-kind rules at runtime (decision: `op` and `allow`; lifecycle: `event` and `task_id`).
 */
export interface AuditEntry {
  kind: AuditKind;
  op?: Operation;
  event?: LifecycleEvent | PolicyEvent;
  decision_id?: string;
  principal?: AuditPrincipalInput | null;
  task_id?: string | null;
  tool?: string | null;
  allow?: boolean;
  reasons?: readonly string[];
  delegated?: boolean;
  status?: TaskStatus;
  status_message?: string;
  /** decision: the protocol generation that carried the request (absent for the guard's own refusals). */
  wire?: Wire;
  /** policy: where the candidate came from (files, a bundle service with its ETag), one line. */
  source?: string;
  /** policy: the key id whose signature the serving bundle passed (absent for an unsigned policy). */
  signer_key_id?: string;
  /** policy, activated: the revisions of the snapshot it replaced. */
  previous_policy_revision?: string;
  previous_data_revision?: string;
  /** Falls back to the log's `policyRevision`. */
  policy_revision?: string;
  /** Falls back to the log's `dataRevision`. */
  data_revision?: string;
  error?: string;
}

interface AuditRecordBase {
  readonly seq: number;
  readonly time: string;
  readonly time_ms: number;
  readonly principal: AuditPrincipal | null;
  readonly task_id: string | null;
  readonly tool: string | null;
  readonly reasons: readonly string[];
  readonly policy_revision: string;
  readonly data_revision?: string;
  /** Why the engine failed closed, when it did. */
  readonly error?: string;
  readonly prev_hash: string;
  /** sha256 hex of the canonical JSON of the record without this field. */
  readonly hash: string;
}

export interface DecisionRecord extends AuditRecordBase {
  readonly kind: 'decision';
  readonly op: Operation;
  readonly decision_id: string;
  readonly allow: boolean;
  readonly delegated: boolean;
  /** The protocol generation that carried the request, when a policy decided it. */
  readonly wire?: Wire;
}

export interface LifecycleRecord extends AuditRecordBase {
  readonly kind: 'lifecycle';
  readonly event: LifecycleEvent;
  /** The operation that caused the transition; absent for timers (expiry) and the task's own progress. */
  readonly op?: Operation;
  /** The decision that caused the transition, when one did. */
  readonly decision_id?: string;
  /** The task's status after the transition. */
  readonly status?: TaskStatus;
  readonly status_message?: string;
}

/**
 * A policy activation or a refused candidate. `policy_revision` / `data_revision` are those of the snapshot
 * serving after the event; `reasons` holds what triggered it (`start`, `files`, `sighup`, `service`), and a
 * refusal's `error` says why the candidate was refused.
 */
export interface PolicyRecord extends AuditRecordBase {
  readonly kind: 'policy';
  readonly event: PolicyEvent;
  /** Where the candidate came from: files (bundle and data paths), or a bundle service (url and ETag). */
  readonly source?: string;
  /** The key id whose signature the serving bundle passed; absent when signatures are not checked. */
  readonly signer_key_id?: string;
  /** activated: the snapshot it replaced (absent at start). */
  readonly previous_policy_revision?: string;
  readonly previous_data_revision?: string;
}

export type AuditRecord = DecisionRecord | LifecycleRecord | PolicyRecord;

/** Where the chain stands: the last record's seq and hash (0 and GENESIS_HASH for an empty log). */
export interface AuditHead {
  seq: number;
  hash: string;
}

export interface RecordContext {
  seq: number;
  timeMs: number;
  prevHash: string;
  policyRevision?: string | undefined;
  dataRevision?: string | undefined;
  newId?: (() => string) | undefined;
}

/**
 * Builds the record for `entry` by copying named fields only: an unexpected property (a token, a whole
 * request) never reaches a sink. Throws `audit_invalid` on an entry that breaks the per-kind rules.
 */
export function buildRecord(entry: AuditEntry, ctx: RecordContext): AuditRecord {
  if (typeof entry !== 'object' || entry === null) invalid('entry must be an object');
  const kind = entry.kind;
  if (!(AUDIT_KINDS as readonly string[]).includes(kind)) invalid(`kind must be one of ${AUDIT_KINDS.join(', ')}`);
  if (kind === 'decision') checkDecision(entry);
  else if (kind === 'lifecycle') checkLifecycle(entry);
  else checkPolicy(entry);

  // Filled field by field (not spread), to keep absent fields absent, and in sorted key order (the principal's
  // too): JSON.stringify of the record then is its canonical JSON, so the hash needs no sorting copy, and the
  // line in the file is exactly what was hashed, with "hash" appended last. Every authorization decision
  // takes this path; this is several times cheaper than the generic canonicaliser.
  const decision = kind === 'decision';
  const r: Record<string, unknown> = {};
  if (decision) r['allow'] = entry.allow;
  const dataRevision = entry.data_revision ?? ctx.dataRevision;
  if (dataRevision !== undefined) r['data_revision'] = requiredText(dataRevision, 'data_revision');
  if (decision) r['decision_id'] = entry.decision_id === undefined ? (ctx.newId ?? randomUUID)() : requiredText(entry.decision_id, 'decision_id');
  else if (entry.decision_id !== undefined) r['decision_id'] = requiredText(entry.decision_id, 'decision_id');
  if (decision) r['delegated'] = entry.delegated === true;
  if (entry.error !== undefined) r['error'] = requiredText(entry.error, 'error');
  if (!decision) r['event'] = entry.event;
  r['kind'] = kind;
  if (decision || entry.op !== undefined) r['op'] = operationOf(entry.op);
  r['policy_revision'] = requiredText(entry.policy_revision ?? ctx.policyRevision, 'policy_revision');
  r['prev_hash'] = ctx.prevHash;
  if (kind === 'policy' && entry.previous_data_revision !== undefined) r['previous_data_revision'] = requiredText(entry.previous_data_revision, 'previous_data_revision');
  if (kind === 'policy' && entry.previous_policy_revision !== undefined) r['previous_policy_revision'] = requiredText(entry.previous_policy_revision, 'previous_policy_revision');
  r['principal'] = principalOf(entry.principal);
  r['reasons'] = reasonsOf(entry.reasons);
  r['seq'] = ctx.seq;
  if (kind === 'policy' && entry.signer_key_id !== undefined) r['signer_key_id'] = requiredText(entry.signer_key_id, 'signer_key_id');
  if (kind === 'policy' && entry.source !== undefined) r['source'] = requiredText(entry.source, 'source');
  if (!decision && entry.status !== undefined) r['status'] = entry.status;
  if (!decision && entry.status_message !== undefined) r['status_message'] = requiredText(entry.status_message, 'status_message');
  r['task_id'] = nullableText(entry.task_id, 'task_id');
  r['time'] = new Date(ctx.timeMs).toISOString();
  r['time_ms'] = ctx.timeMs;
  r['tool'] = nullableText(entry.tool, 'tool');
  if (decision && entry.wire !== undefined) r['wire'] = wireOf(entry.wire);
  const hashed = JSON.stringify(r);
  const hash = sha256Hex(hashed);
  r['hash'] = hash;
  // Frozen by hand: the principal and the reasons are the only nested values.
  if (r['principal'] !== null) Object.freeze(r['principal']);
  Object.freeze(r['reasons']);
  const record = Object.freeze(r) as unknown as AuditRecord;
  // The line is the hashed text with "hash" appended (set last, it serialises last): no second stringify.
  lines.set(record, `${hashed.slice(0, -1)},"hash":"${hash}"}`);
  return record;
}

/** Each built record's line, made with its hash (see buildRecord). */
const lines = new WeakMap<object, string>();

function checkDecision(entry: AuditEntry): void {
  if (entry.event !== undefined || entry.status !== undefined || entry.status_message !== undefined) {
    invalid('event, status and status_message are for lifecycle records');
  }
  if (typeof entry.allow !== 'boolean') invalid('allow must be a boolean');
  if (entry.delegated !== undefined && typeof entry.delegated !== 'boolean') invalid('delegated must be a boolean');
}

function checkPolicy(entry: AuditEntry): void {
  if (entry.allow !== undefined || entry.delegated !== undefined || entry.op !== undefined || entry.status !== undefined) {
    invalid('allow, delegated, op and status are not for policy records');
  }
  if (typeof entry.event !== 'string' || !(POLICY_EVENTS as readonly string[]).includes(entry.event)) {
    invalid(`event must be one of ${POLICY_EVENTS.join(', ')}`);
  }
}

function checkLifecycle(entry: AuditEntry): void {
  if (entry.allow !== undefined || entry.delegated !== undefined) invalid('allow and delegated are for decision records');
  if (typeof entry.event !== 'string' || !(LIFECYCLE_EVENTS as readonly string[]).includes(entry.event)) {
    invalid(`event must be one of ${LIFECYCLE_EVENTS.join(', ')}`);
  }
  if (typeof entry.task_id !== 'string') invalid('task_id is required for lifecycle records');
  if (entry.status !== undefined && !(TASK_STATUSES as readonly string[]).includes(entry.status)) {
    invalid(`status must be one of ${TASK_STATUSES.join(', ')}`);
  }
}

/** The hash a record must carry: sha256 hex of the canonical JSON of every field but `hash`. */
export function hashRecord(record: object): string {
  const { hash: _ignored, ...rest } = record as Record<string, unknown>;
  return sha256Hex(canonicalJson(rest));
}

/** One line of the log file, without its newline. */
export function recordLine(record: AuditRecord): string {
  return lines.get(record) ?? JSON.stringify(record);
}

function principalOf(value: AuditPrincipalInput | null | undefined): AuditPrincipal | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object') invalid('principal must be an object or null');
  // Copy exactly three fields: never spread, so scopes, tokens or claims cannot ride along. In sorted key
  // order, as the whole record is (see buildRecord).
  return {
    client_id: requiredText(value.client_id, 'principal.client_id'),
    sub: requiredText(value.sub, 'principal.sub'),
    tenant: requiredText(value.tenant, 'principal.tenant'),
  };
}

function reasonsOf(value: readonly string[] | undefined): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) invalid('reasons must be a list of strings');
  const out = value.slice(0, MAX_REASONS).map((r, i) => requiredText(r, `reasons[${i}]`));
  // Dropping reasons silently would make a deny look simpler than it was, so the cut is visible.
  if (value.length > MAX_REASONS) out[MAX_REASONS - 1] = `... ${value.length - MAX_REASONS + 1} more reasons`;
  return out;
}

function wireOf(value: unknown): Wire {
  if (typeof value !== 'string' || !(WIRES as readonly string[]).includes(value)) invalid(`wire must be one of ${WIRES.join(', ')}`);
  return value as Wire;
}

function operationOf(value: unknown): Operation {
  if (typeof value !== 'string' || !(OPERATIONS as readonly string[]).includes(value)) {
    invalid(`op must be one of ${OPERATIONS.join(', ')}`);
  }
  return value as Operation;
}

function requiredText(value: unknown, field: string): string {
  if (typeof value !== 'string') invalid(`${field} must be a string`);
  return cap(value);
}

function nullableText(value: unknown, field: string): string | null {
  return value === undefined || value === null ? null : requiredText(value, field);
}

/** Cuts at MAX_FIELD_CHARS without splitting a surrogate pair, so the JSON stays valid UTF-8 text. */
function cap(text: string): string {
  if (text.length <= MAX_FIELD_CHARS) return text;
  let end = MAX_FIELD_CHARS - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

function invalid(message: string): never {
  throw new TaskguardError('audit_invalid', `audit entry: ${message}`);
}
