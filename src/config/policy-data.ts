import { isRecord } from '../decision/parse.js';
import { OPERATIONS } from '../decision/types.js';
import { deepFreeze } from '../util/freeze.js';
import { TaskguardError } from '../errors.js';
import { readYamlFile } from '../util/yaml-file.js';

/**
 * Validates the policy data document (`data` in Rego) before any policy sees it. The policies read data
 * leniently (a missing list restricts nothing), so a typo there could widen access: here every known
 * section is checked strictly and each problem names its path. Unknown top-level sections are kept for
 * policies that extend ours.
 */
export function validatePolicyData(raw: unknown, source = 'policy data'): Readonly<Record<string, unknown>> {
  const problems: string[] = [];
  const at = (p: string, msg: string): void => void problems.push(`${p}: ${msg}`);
  if (!isRecord(raw)) throw new TaskguardError('config_invalid', `${source}: must be a mapping`);

  const defaults = raw['defaults'];
  if (!isRecord(defaults)) at('defaults', 'is required and must be a mapping');
  else {
    onlyKeys(defaults, 'defaults', ['poll_interval_ms', 'default_ttl_ms', 'max_ttl_ms', 'max_chain_depth', 'clock_skew_ms'], at);
    for (const key of ['poll_interval_ms', 'default_ttl_ms', 'max_ttl_ms', 'max_chain_depth']) positiveInt(defaults[key], `defaults.${key}`, at, true);
    nonNegativeInt(defaults['clock_skew_ms'], 'defaults.clock_skew_ms', at);
  }

  const tools = raw['tools'];
  const toolNames = new Set<string>();
  if (!isRecord(tools)) at('tools', 'is required and must be a mapping of tool name to settings');
  else for (const [name, tool] of Object.entries(tools)) {
    toolNames.add(name);
    validateTool(tool, `tools.${name}`, at);
  }

  const limits = raw['limits'];
  if (limits !== undefined) {
    if (!isRecord(limits)) at('limits', 'must be a mapping');
    else {
      onlyKeys(limits, 'limits', ['operations_per_minute', 'live_tasks_per_principal', 'request_state_ttl_ms'], at);
      positiveInt(limits['operations_per_minute'], 'limits.operations_per_minute', at, false);
      positiveInt(limits['live_tasks_per_principal'], 'limits.live_tasks_per_principal', at, false);
      positiveInt(limits['request_state_ttl_ms'], 'limits.request_state_ttl_ms', at, false);
    }
  }

  const actors = raw['actors'];
  if (actors !== undefined) {
    if (!isRecord(actors)) at('actors', 'must be a mapping');
    else {
      onlyKeys(actors, 'actors', ['allowed'], at);
      stringList(actors['allowed'], 'actors.allowed', at);
    }
  }

  const supervisors = raw['supervisors'];
  if (supervisors !== undefined) {
    if (!isRecord(supervisors) || !isRecord(supervisors['roles'])) at('supervisors', 'must be a mapping with roles');
    else {
      onlyKeys(supervisors, 'supervisors', ['roles'], at);
      for (const [role, grant] of Object.entries(supervisors['roles'] as Record<string, unknown>)) {
        const p = `supervisors.roles.${role}`;
        if (!isRecord(grant)) { at(p, 'must be a mapping'); continue; }
        onlyKeys(grant, p, ['operations', 'tenants'], at);
        const ops = stringList(grant['operations'], `${p}.operations`, at, true);
        for (const op of ops ?? []) if (!['get', 'result', 'cancel', 'input', 'list'].includes(op)) at(`${p}.operations`, `${op} cannot be delegated (get, result, cancel, input, list)`);
        if (grant['tenants'] !== undefined) stringList(grant['tenants'], `${p}.tenants`, at);
      }
    }
  }

  const chaining = raw['chaining'];
  if (chaining !== undefined) {
    if (!isRecord(chaining)) at('chaining', 'must be a mapping');
    else {
      onlyKeys(chaining, 'chaining', ['allow_escalation'], at);
      const pairs = chaining['allow_escalation'];
      if (pairs !== undefined && !Array.isArray(pairs)) at('chaining.allow_escalation', 'must be a list');
      (Array.isArray(pairs) ? pairs : []).forEach((pair: unknown, i) => {
        const p = `chaining.allow_escalation[${i}]`;
        if (!isRecord(pair)) { at(p, 'must be a mapping with from and to'); return; }
        onlyKeys(pair, p, ['from', 'to'], at);
        for (const end of ['from', 'to'] as const) {
          if (typeof pair[end] !== 'string' || !toolNames.has(pair[end] as string)) at(`${p}.${end}`, 'must name a tool in tools');
        }
      });
    }
  }

  if (problems.length > 0) throw new TaskguardError('config_invalid', `${source}: ${problems.join('; ')}`);
  return deepFreeze(raw);
}

const TOOL_KEYS = ['description', 'task_support', 'risk', 'required_scopes', 'default_ttl_ms', 'max_ttl_ms', 'poll_interval_ms',
  'allowed_roles', 'allowed_clients', 'single_read', 'step_up'];

function validateTool(tool: unknown, p: string, at: (p: string, m: string) => void): void {
  if (!isRecord(tool)) return at(p, 'must be a mapping');
  onlyKeys(tool, p, TOOL_KEYS, at);
  oneOf(tool['task_support'], `${p}.task_support`, ['required', 'optional', 'forbidden'], at);
  // Required: chaining compares risks, and a guessed default would decide what may escalate.
  if (tool['risk'] === undefined) at(`${p}.risk`, 'is required (low, medium or high)');
  else oneOf(tool['risk'], `${p}.risk`, ['low', 'medium', 'high'], at);
  for (const key of ['required_scopes', 'allowed_roles', 'allowed_clients']) if (tool[key] !== undefined) stringList(tool[key], `${p}.${key}`, at);
  for (const key of ['default_ttl_ms', 'max_ttl_ms', 'poll_interval_ms']) positiveInt(tool[key], `${p}.${key}`, at, false);
  if (tool['single_read'] !== undefined && typeof tool['single_read'] !== 'boolean') at(`${p}.single_read`, 'must be true or false');
  if (tool['description'] !== undefined && typeof tool['description'] !== 'string') at(`${p}.description`, 'must be a string');
  const stepUp = tool['step_up'];
  if (stepUp === undefined) return;
  if (!isRecord(stepUp)) return at(`${p}.step_up`, 'must map operations to requirements');
  for (const [op, rule] of Object.entries(stepUp)) {
    const rp = `${p}.step_up.${op}`;
    if (!(OPERATIONS as readonly string[]).includes(op)) at(rp, `${op} is not an operation (${OPERATIONS.join(', ')})`);
    if (!isRecord(rule)) { at(rp, 'must be a mapping with acr_values and/or max_age_s'); continue; }
    onlyKeys(rule, rp, ['acr_values', 'max_age_s'], at);
    if (rule['acr_values'] === undefined && rule['max_age_s'] === undefined) at(rp, 'needs acr_values or max_age_s');
    if (rule['acr_values'] !== undefined) stringList(rule['acr_values'], `${rp}.acr_values`, at);
    nonNegativeInt(rule['max_age_s'], `${rp}.max_age_s`, at);
  }
}

function onlyKeys(obj: Record<string, unknown>, p: string, allowed: string[], at: (p: string, m: string) => void): void {
  for (const key of Object.keys(obj)) if (!allowed.includes(key)) at(`${p}.${key}`, `unknown key (expected one of ${allowed.join(', ')})`);
}

function oneOf(value: unknown, p: string, allowed: string[], at: (p: string, m: string) => void): void {
  if (value !== undefined && !allowed.includes(value as string)) at(p, `must be one of ${allowed.join(', ')}`);
}

function positiveInt(value: unknown, p: string, at: (p: string, m: string) => void, required: boolean): void {
  if (value === undefined) { if (required) at(p, 'is required'); return; }
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) at(p, 'must be a positive integer');
}

function nonNegativeInt(value: unknown, p: string, at: (p: string, m: string) => void): void {
  if (value !== undefined && (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)) at(p, 'must be a whole number >= 0');
}

function stringList(value: unknown, p: string, at: (p: string, m: string) => void, required = false): string[] | undefined {
  if (value === undefined && !required) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v !== '')) {
    at(p, 'must be a list of non-empty strings');
    return undefined;
  }
  return value as string[];
}


/** Reads and validates a policy data file (YAML or JSON). */
export function loadPolicyData(file: string): Readonly<Record<string, unknown>> {
  return validatePolicyData(readYamlFile(file, 'config_invalid'), file);
}
