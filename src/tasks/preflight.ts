import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { isRecord } from '../decision/parse.js';
import type { Operation, StepUpObligation } from '../decision/types.js';
import { principalFromAuthInfo } from '../identity/principal.js';
import type { GuardCore } from './core.js';
import { decisionInput, type InputParts } from './inputs.js';
import { isWellFormedTaskId } from './wire.js';

const TASK_METHODS: Record<string, Operation> = { 'tasks/get': 'get', 'tasks/result': 'result', 'tasks/cancel': 'cancel' };

/**
 * Decides one JSON-RPC request the way its handler will, without auditing or changing anything, and returns
 * the step-up obligation if that is the answer. Only then is the decision recorded, since the transport
 * answers it (with a 401 challenge) and the handler never runs.
 */
export async function preflightStepUp(core: GuardCore, message: unknown, authInfo: AuthInfo | undefined): Promise<StepUpObligation | undefined> {
  const principal = principalFromAuthInfo(authInfo);
  if (!principal || !isRecord(message) || typeof message['method'] !== 'string') return undefined;
  const params = isRecord(message['params']) ? message['params'] : {};
  let parts: Omit<InputParts, 'nowMs'>;
  const method = message['method'];
  if (method === 'tools/call' && typeof params['name'] === 'string') {
    const task = isRecord(params['task']) ? params['task'] : undefined;
    parts = task
      ? { op: 'create', principal, tool: params['name'], requestedTtlMs: typeof task['ttl'] === 'number' ? task['ttl'] : null }
      : { op: 'call', principal, tool: params['name'] };
  } else if (TASK_METHODS[method] && isWellFormedTaskId(params['taskId'])) {
    const record = await core.store.get(params['taskId']);
    // tasks/result on a task awaiting input will first deliver the elicitation, which is decided as `input`.
    const op = method === 'tasks/result' && record?.status === 'input_required' && core.workers.pendingInput(record.id) ? 'input' : TASK_METHODS[method];
    parts = { op, principal, ...(record ? { task: record } : {}) };
  } else if (method === 'tasks/list') {
    parts = { op: 'list', principal };
  } else {
    return undefined;
  }
  const quiet = core.decider.decide(decisionInput({ ...parts, nowMs: core.now() }));
  if (quiet.allow || !quiet.reasons.includes('step_up_required') || !quiet.step_up) return undefined;
  const { decision } = core.decide(parts);
  return decision.reasons.includes('step_up_required') ? decision.step_up : undefined;
}
