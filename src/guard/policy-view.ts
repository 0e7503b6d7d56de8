import { isRecord } from '../decision/parse.js';
import type { Operation } from '../decision/types.js';

export type TaskSupport = 'required' | 'optional' | 'forbidden';

/**
 * What TypeScript needs to know of policy data, read once per loaded data and typed. Rego stays the
 * authority on every decision; this view only serves what must be known before or besides one: what
 * tools/list advertises, the limits the guard enforces itself, whether a request could need step-up (so
 * the HTTP host may answer with a 401 before routing), and the scopes the RFC 9728 document names. The
 * defaults here are the policy's own (policies/*.rego): a tool without task_support is forbidden as a task.
 */
export interface PolicyView {
  taskSupport(tool: string): TaskSupport;
  readonly limits: {
    readonly operationsPerMinute: number;
    readonly liveTasksPerPrincipal: number;
    /** How long the request state of a plain call's input round opens (2026-07-28). */
    readonly requestStateTtlMs: number;
  };
  /** Whether data asks for step-up on `op` for `tool` (tools[t].step_up[op]). */
  asksStepUp(op: Operation, tool: string): boolean;
  /** Whether data asks for step-up on `op` for any tool. */
  anyStepUp(op: Operation): boolean;
  /** Every scope some tool requires, sorted. */
  readonly scopesSupported: readonly string[];
}

/** Ten minutes: long enough for a person to answer a question, short enough that a leaked state soon opens nothing. */
export const DEFAULT_REQUEST_STATE_TTL_MS = 10 * 60_000;

const views = new WeakMap<object, PolicyView>();

/** The view of `data`, derived once per data object (a reloaded bundle brings a new object, so a new view). */
export function policyViewOf(data: Readonly<Record<string, unknown>>): PolicyView {
  let view = views.get(data);
  if (!view) {
    view = derive(data);
    views.set(data, view);
  }
  return view;
}

function derive(data: Readonly<Record<string, unknown>>): PolicyView {
  const tools = isRecord(data['tools']) ? data['tools'] : {};
  const support = new Map<string, TaskSupport>();
  const stepUp = new Map<string, Set<string>>();
  const scopes = new Set<string>();
  for (const [name, entry] of Object.entries(tools)) {
    if (!isRecord(entry)) continue;
    const declared = entry['task_support'];
    support.set(name, declared === 'required' || declared === 'optional' ? declared : 'forbidden');
    for (const op of Object.keys(isRecord(entry['step_up']) ? entry['step_up'] : {})) {
      let names = stepUp.get(op);
      if (!names) stepUp.set(op, (names = new Set()));
      names.add(name);
    }
    const required = entry['required_scopes'];
    if (Array.isArray(required)) for (const s of required) if (typeof s === 'string') scopes.add(s);
  }
  const limits = isRecord(data['limits']) ? data['limits'] : {};
  const positive = (v: unknown, fallback: number): number => (typeof v === 'number' && v > 0 ? v : fallback);
  return Object.freeze({
    taskSupport: (tool: string) => support.get(tool) ?? 'forbidden',
    limits: Object.freeze({
      operationsPerMinute: positive(limits['operations_per_minute'], 600),
      liveTasksPerPrincipal: positive(limits['live_tasks_per_principal'], 20),
      requestStateTtlMs: positive(limits['request_state_ttl_ms'], DEFAULT_REQUEST_STATE_TTL_MS),
    }),
    asksStepUp: (op: Operation, tool: string) => stepUp.get(op)?.has(tool) === true,
    anyStepUp: (op: Operation) => (stepUp.get(op)?.size ?? 0) > 0,
    scopesSupported: Object.freeze([...scopes].sort()),
  });
}
