import { AUDIT_KINDS } from './record.js';

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * The first reason a parsed line is not a record, or null. Checks presence and types only: values such as
 * `op` are not checked against today's lists, so an older verifier still reads a newer writer's records.
 * Content is the hash's job.
 */
export function recordShapeProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a json object';
  // canonicalJson would drop such a key when hashing, so text added under it would go unnoticed.
  if (hasProtoKey(value)) return 'a __proto__ key is not allowed';
  const r = value as Record<string, unknown>;
  if (!Number.isSafeInteger(r['seq']) || (r['seq'] as number) < 1) return 'seq is not a positive integer';
  if (typeof r['time'] !== 'string') return 'time is not a string';
  if (!Number.isSafeInteger(r['time_ms'])) return 'time_ms is not an integer';
  if (!(AUDIT_KINDS as readonly unknown[]).includes(r['kind'])) return `kind is not one of ${AUDIT_KINDS.join(', ')}`;
  if (!isPrincipal(r['principal'])) return 'principal is not null or {tenant, sub, client_id}';
  for (const field of ['task_id', 'tool'] as const) {
    if (r[field] !== null && typeof r[field] !== 'string') return `${field} is not a string or null`;
  }
  if (!Array.isArray(r['reasons']) || !r['reasons'].every((x) => typeof x === 'string')) return 'reasons is not a list of strings';
  if (typeof r['policy_revision'] !== 'string') return 'policy_revision is not a string';
  for (const field of ['data_revision', 'error', 'status_message', 'status', 'event', 'op', 'decision_id', 'wire', 'source', 'signer_key_id', 'previous_policy_revision', 'previous_data_revision'] as const) {
    if (r[field] !== undefined && typeof r[field] !== 'string') return `${field} is not a string`;
  }
  if (r['kind'] === 'decision') {
    for (const field of ['op', 'decision_id'] as const) if (typeof r[field] !== 'string') return `${field} is missing`;
    for (const field of ['allow', 'delegated'] as const) if (typeof r[field] !== 'boolean') return `${field} is not a boolean`;
  } else if (typeof r['event'] !== 'string') {
    return 'event is missing';
  }
  if (typeof r['prev_hash'] !== 'string' || !HEX64.test(r['prev_hash'])) return 'prev_hash is not 64 hex digits';
  if (typeof r['hash'] !== 'string' || !HEX64.test(r['hash'])) return 'hash is not 64 hex digits';
  return null;
}

function isPrincipal(value: unknown): boolean {
  if (value === null) return true;
  if (typeof value !== 'object' || Array.isArray(value)) return false;
  const p = value as Record<string, unknown>;
  return typeof p['tenant'] === 'string' && typeof p['sub'] === 'string' && typeof p['client_id'] === 'string';
}

function hasProtoKey(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (Object.hasOwn(value, '__proto__')) return true;
  return Object.values(value).some(hasProtoKey);
}
