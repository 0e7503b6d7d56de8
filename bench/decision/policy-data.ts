import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

/**
 * The parts of the policy data (policies/data.yaml) the input mix is drawn from. Read leniently: the mix
 * only needs to know which tools, scopes, roles and clients exist; the policies are what judge them.
 */
export interface StepUpRule {
  acr_values: readonly string[];
  max_age_s?: number;
}

export interface ToolData {
  name: string;
  task_support: string;
  risk: string;
  required_scopes: readonly string[];
  allowed_roles: readonly string[];
  allowed_clients: readonly string[];
  single_read: boolean;
  max_ttl_ms?: number;
  step_up: Readonly<Record<string, StepUpRule>>;
}

export interface PolicyData {
  tools: readonly ToolData[];
  /** Supervisor role name -> operations it grants. */
  supervisors: ReadonlyMap<string, readonly string[]>;
  actors: readonly string[];
  escalations: readonly { from: string; to: string }[];
  maxChainDepth: number;
}

export function readPolicyData(file: string): PolicyData {
  const raw = record(parse(readFileSync(file, 'utf8')));
  const tools = Object.entries(record(raw['tools'])).map(([name, value]) => readTool(name, record(value)));
  if (tools.length === 0) throw new Error(`${file} defines no tools; the decision mix needs some`);
  const supervisors = new Map(
    Object.entries(record(record(raw['supervisors'])['roles'])).map(([role, grant]) => [role, strings(record(grant)['operations'])] as const),
  );
  const escalations = list(record(raw['chaining'])['allow_escalation'])
    .map(record)
    .filter((p) => typeof p['from'] === 'string' && typeof p['to'] === 'string')
    .map((p) => ({ from: p['from'] as string, to: p['to'] as string }));
  const depth = record(raw['defaults'])['max_chain_depth'];
  return {
    tools,
    supervisors,
    actors: strings(record(raw['actors'])['allowed']),
    escalations,
    maxChainDepth: typeof depth === 'number' ? depth : 1,
  };
}

function readTool(name: string, raw: Record<string, unknown>): ToolData {
  const stepUp: Record<string, StepUpRule> = {};
  for (const [op, rule] of Object.entries(record(raw['step_up']))) {
    const r = record(rule);
    const maxAge = r['max_age_s'];
    stepUp[op] = typeof maxAge === 'number' ? { acr_values: strings(r['acr_values']), max_age_s: maxAge } : { acr_values: strings(r['acr_values']) };
  }
  const tool: ToolData = {
    name,
    task_support: typeof raw['task_support'] === 'string' ? raw['task_support'] : 'forbidden',
    risk: typeof raw['risk'] === 'string' ? raw['risk'] : 'high',
    required_scopes: strings(raw['required_scopes']),
    allowed_roles: strings(raw['allowed_roles']),
    allowed_clients: strings(raw['allowed_clients']),
    single_read: raw['single_read'] === true,
    step_up: stepUp,
  };
  if (typeof raw['max_ttl_ms'] === 'number') tool.max_ttl_ms = raw['max_ttl_ms'];
  return tool;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function strings(value: unknown): string[] {
  return list(value).filter((v): v is string => typeof v === 'string');
}
