import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { isRecord } from '../decision/parse.js';
import type { Operation, StepUpObligation } from '../decision/types.js';
import { principalFromAuthInfo } from '../identity/principal.js';
import type { GuardCore } from './core.js';
import { decisionInput, type InputParts } from './inputs.js';
import { isWellFormedTaskId } from './wire.js';
import { NO_OUTCOME } from '../stores/types.js';

const TASK_METHODS: Record<string, Operation> = { 'tasks/get': 'get', 'tasks/result': 'result', 'tasks/cancel': 'cancel' };

/** Which tools ask for step-up on which operations: policy data's tools[t].step_up[op], read once per data. */
type StepUpIndex = ReadonlyMap<string, ReadonlySet<string>>;
const indexes = new WeakMap<object, StepUpIndex>();

function stepUpIndex(data: Readonly<Record<string, unknown>>): StepUpIndex {
  let index = indexes.get(data);
  if (!index) {
    const byOp = new Map<string, Set<string>>();
    const tools = isRecord(data['tools']) ? data['tools'] : {};
    for (const [tool, entry] of Object.entries(tools)) {
      const stepUp = isRecord(entry) && isRecord(entry['step_up']) ? entry['step_up'] : {};
      for (const op of Object.keys(stepUp)) {
        let set = byOp.get(op);
        if (!set) byOp.set(op, (set = new Set()));
        set.add(tool);
      }
    }
    index = byOp;
    indexes.set(data, index);
  }
  return index;
}

/**
 * Decides one JSON-RPC request the way its handler will, without auditing or changing anything, and returns
 * the step-up obligation if that is the answer. Only then is the decision recorded, since the transport
 * answers it (with a 401 challenge) and the handler never runs.
 *
 * The policy asks for step-up only where data says so (tools[t].step_up[op]), so a request whose operation
 * and tool have no such entry skips the preflight entirely: no store read, no second decision. Most traffic
 * (get, list, cancel, most tools) is that. A custom policy demanding step-up elsewhere still gets it from the
 * handler, as the -32004 error, just not as an HTTP 401.
 */
export async function preflightStepUp(core: GuardCore, message: unknown, authInfo: AuthInfo | undefined): Promise<StepUpObligation | undefined> {
  const principal = principalFromAuthInfo(authInfo);
  if (!principal || !isRecord(message) || typeof message['method'] !== 'string') return undefined;
  const stepUp = stepUpIndex(core.decider.data);
  if (stepUp.size === 0) return undefined;
  const asks = (op: Operation, tool: string | undefined): boolean => tool !== undefined && stepUp.get(op)?.has(tool) === true;
  const params = isRecord(message['params']) ? message['params'] : {};
  let parts: Omit<InputParts, 'nowMs'>;
  const method = message['method'];
  if (method === 'tools/call' && typeof params['name'] === 'string') {
    const task = isRecord(params['task']) ? params['task'] : undefined;
    parts = task
      ? { op: 'create', principal, tool: params['name'], requestedTtlMs: typeof task['ttl'] === 'number' ? task['ttl'] : null }
      : { op: 'call', principal, tool: params['name'] };
    if (!asks(parts.op, params['name'])) return undefined;
  } else if (TASK_METHODS[method] && isWellFormedTaskId(params['taskId'])) {
    const base = TASK_METHODS[method];
    // tasks/result on a task awaiting input will first deliver the elicitation, which is decided as `input`.
    const ops: Operation[] = method === 'tasks/result' ? [base, 'input'] : [base];
    if (!ops.some((op) => (stepUp.get(op)?.size ?? 0) > 0)) return undefined;
    const record = await core.store.get(params['taskId'], NO_OUTCOME);
    const op = method === 'tasks/result' && record?.status === 'input_required' && core.workers.pendingInput(record.id) ? 'input' : base;
    // A missing or foreign task is answered by the handler exactly as always (not found), never here.
    if (!record || !asks(op, record.tool)) return undefined;
    parts = { op, principal, task: record };
  } else {
    return undefined;
  }
  const quiet = core.decider.decide(decisionInput({ ...parts, nowMs: core.now() }));
  if (quiet.allow || !quiet.reasons.includes('step_up_required') || !quiet.step_up) return undefined;
  const { decision } = core.decide(parts);
  return decision.reasons.includes('step_up_required') ? decision.step_up : undefined;
}
