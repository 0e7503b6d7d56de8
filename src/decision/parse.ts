import { ENGINE_REASONS, type Decision, type Operation, type StepUpObligation } from './types.js';

/**
 * Turns whatever the wasm returned into a Decision, failing closed: only a well-formed decision whose `allow`
 * is exactly `true` allows. Anything malformed becomes a deny that names what was wrong.
 */
export function parseDecision(resultSet: unknown, op: Operation | undefined): Decision {
  if (!Array.isArray(resultSet) || resultSet.length === 0) {
    return failClosed(ENGINE_REASONS.noDecision, 'policy produced no decision');
  }
  if (resultSet.length > 1) {
    return failClosed(ENGINE_REASONS.malformedDecision, 'policy produced more than one result');
  }
  const first: unknown = resultSet[0];
  const raw = isRecord(first) ? first['result'] : undefined;
  if (raw === undefined) return failClosed(ENGINE_REASONS.noDecision, 'policy produced no decision');
  if (!isRecord(raw)) return failClosed(ENGINE_REASONS.malformedDecision, 'decision is not an object');

  const problems: string[] = [];
  const allowRaw = raw['allow'];
  if (typeof allowRaw !== 'boolean') problems.push('allow is not a boolean');
  const reasons = stringArray(raw['reasons']);
  if (reasons === undefined) problems.push('reasons is not a list of strings');
  const delegated = raw['delegated'] ?? false;
  if (typeof delegated !== 'boolean') problems.push('delegated is not a boolean');

  const decision: Decision = {
    allow: allowRaw === true,
    reasons: reasons ?? [],
    delegated: delegated === true,
  };
  readPositiveInt(raw, 'ttl_ms', problems, (v) => (decision.ttl_ms = v));
  readPositiveInt(raw, 'poll_interval_ms', problems, (v) => (decision.poll_interval_ms = v));
  if (raw['revoke_after_result'] !== undefined) {
    if (typeof raw['revoke_after_result'] !== 'boolean') problems.push('revoke_after_result is not a boolean');
    else decision.revoke_after_result = raw['revoke_after_result'];
  }
  if (raw['list_scope'] !== undefined) {
    const scope = raw['list_scope'];
    if (scope === 'owner' || scope === 'tenant') decision.list_scope = scope;
    else problems.push('list_scope is neither owner nor tenant');
  }
  if (raw['step_up'] !== undefined) {
    const stepUp = parseStepUp(raw['step_up']);
    if (stepUp === undefined) problems.push('step_up is malformed');
    else decision.step_up = stepUp;
  }

  if (decision.allow) {
    // Defence in depth: whatever a policy says, nothing is allowed for an operation the host does not know.
    if (op === undefined) problems.push('an allow for an unknown operation');
    if (decision.reasons.length > 0) problems.push('an allow carries deny reasons');
    // Obligations the host cannot act without: an allowed create must say how long the task may live.
    if (op === 'create' && decision.ttl_ms === undefined) problems.push('allowed create has no ttl_ms');
    if (op === 'list' && decision.list_scope === undefined) problems.push('allowed list has no list_scope');
  } else if (decision.reasons.length === 0) {
    problems.push('a deny carries no reason');
  }
  if (decision.reasons.includes('step_up_required') && decision.step_up === undefined) {
    problems.push('step_up_required without a step_up obligation');
  }

  if (problems.length > 0) return failClosed(ENGINE_REASONS.malformedDecision, problems.join('; '));
  return decision;
}

export function failClosed(reason: string, error: string): Decision {
  return { allow: false, reasons: [reason], delegated: false, error };
}

/** RFC 9470 parameters: acr_values (space-separated), max_age_s, or both; never neither. */
function parseStepUp(value: unknown): StepUpObligation | undefined {
  if (!isRecord(value)) return undefined;
  const out: StepUpObligation = {};
  const acr = value['acr_values'];
  if (acr !== undefined) {
    if (typeof acr !== 'string' || acr === '') return undefined;
    out.acr_values = acr;
  }
  const maxAge = value['max_age_s'];
  if (maxAge !== undefined) {
    if (typeof maxAge !== 'number' || !Number.isInteger(maxAge) || maxAge < 0) return undefined;
    out.max_age_s = maxAge;
  }
  return out.acr_values === undefined && out.max_age_s === undefined ? undefined : out;
}

function readPositiveInt(raw: Record<string, unknown>, key: string, problems: string[], set: (v: number) => void): void {
  const value = raw[key];
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    problems.push(`${key} is not a positive integer`);
    return;
  }
  set(value);
}

function stringArray(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.every((v) => typeof v === 'string') ? (value as string[]) : undefined;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
