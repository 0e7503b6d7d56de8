import type { DecisionInput, Operation, PrincipalInput, TaskStatus } from '../../src/decision/types.js';
import { Rng } from '../lib/rng.js';
import type { PolicyData, ToolData } from './policy-data.js';
import { riskRank, withoutOneOf, World } from './world.js';

/**
 * A deterministic mix of decision inputs shaped like a busy MCP Tasks server: mostly polling (get), then
 * results, creates and lists, with the denials a real deployment sees (foreign tasks, missing step-up,
 * revoked single-read results, expired tasks, scope and role gaps). The policies decide; the mix only sets
 * up the situations, so expected outcomes are not hard-coded here.
 */
export const OP_WEIGHTS: Readonly<Record<Operation, number>> = {
  get: 40,
  result: 15,
  list: 10,
  create: 15,
  cancel: 5,
  call: 8,
  chain: 5,
  input: 2,
};

export interface DecisionMix {
  inputs: DecisionInput[];
  /** `op/scenario` per input, to say what a mismatching input was meant to exercise. */
  labels: string[];
}

/** Fixed clock origin: same inputs, byte for byte, on every run. */
const NOW_ORIGIN_MS = 1_763_800_000_000;

type Build = (w: World) => DecisionInput | undefined;
/** weight, name, build. A build returns undefined when data has nothing to set it up with. */
type Scenario = readonly [number, string, Build];

export function buildDecisionMix(data: PolicyData, size: number, seed: number): DecisionMix {
  const rng = new Rng(seed);
  const world = new World(rng, data);
  const ops = Object.entries(OP_WEIGHTS).map(([op, w]) => [w, op as Operation] as const);
  const mix: DecisionMix = { inputs: [], labels: [] };
  for (let i = 0; i < size; i++) {
    world.now = NOW_ORIGIN_MS + i * 17;
    const op = rng.weighted(ops);
    const scenarios = SCENARIOS[op];
    const [, name, build] = rng.weighted(scenarios.map((s) => [s[0], s] as const));
    let input = build(world);
    let label = `${op}/${name}`;
    if (input === undefined) {
      // The first scenario of each operation needs nothing special from data and always builds.
      const [, baseName, baseBuild] = scenarios[0] as Scenario;
      input = baseBuild(world);
      label = `${op}/${baseName}`;
    }
    if (input === undefined) throw new Error(`cannot build a ${op} input from this policy data`);
    mix.inputs.push(input);
    mix.labels.push(label);
  }
  return mix;
}

const isTaskTool = (t: ToolData): boolean => t.task_support === 'optional' || t.task_support === 'required';
const isInlineTool = (t: ToolData): boolean => t.task_support !== 'required';

function on(w: World, op: Operation, principal: PrincipalInput): DecisionInput {
  return { op, now_ms: w.now, principal };
}

/** A task operation by the task's owner. */
function ownTask(op: Operation, status: (w: World) => TaskStatus, opts: { expired?: boolean; resultsRead?: number } = {}): Build {
  return (w) => {
    const tool = w.pickTool(isTaskTool);
    if (!tool) return undefined;
    const owner = w.principalFor(tool, op);
    return { ...on(w, op, owner), task: w.task(owner, tool, status(w), opts) };
  };
}

/** A task operation by someone other than the owner: `who` picks the caller from the owner. */
function foreignTask(op: Operation, who: (w: World, owner: PrincipalInput) => PrincipalInput | undefined, status: (w: World) => TaskStatus = anyStatus): Build {
  return (w) => {
    const tool = w.pickTool(isTaskTool);
    if (!tool) return undefined;
    const owner = w.principalFor(tool, op);
    const caller = who(w, owner);
    return caller && { ...on(w, op, caller), task: w.task(owner, tool, status(w)) };
  };
}

const colleague = (w: World, owner: PrincipalInput): PrincipalInput | undefined => {
  const other = w.colleagueOf({ sub: owner.sub, tenant: owner.tenant });
  return other && w.principal({ user: other, client: owner.client_id });
};
const foreigner = (w: World, owner: PrincipalInput): PrincipalInput =>
  w.principal({ user: w.foreignerOf({ sub: owner.sub, tenant: owner.tenant }), client: owner.client_id });
const sameUserOtherClient = (w: World, owner: PrincipalInput): PrincipalInput | undefined => {
  const client = w.clients.find((c) => c !== owner.client_id);
  return client === undefined ? undefined : { ...owner, client_id: client };
};
/** A supervisor of the owner's tenant, when there is one. */
const tenantSupervisor = (w: World, owner: PrincipalInput): PrincipalInput | undefined =>
  w.supervisorRole === undefined ? undefined : w.supervisor({ sub: owner.tenant === 'globex' ? 'sue' : 'sam', tenant: owner.tenant });
const outsideSupervisor = (w: World, owner: PrincipalInput): PrincipalInput | undefined =>
  w.supervisorRole === undefined ? undefined : w.supervisor({ sub: 'sue', tenant: owner.tenant === 'globex' ? 'acme' : 'globex' });
const incomplete = (w: World, owner: PrincipalInput): PrincipalInput => ({ ...w.principal({ user: { sub: owner.sub, tenant: owner.tenant } }), client_id: '' });

const working = (): 'working' => 'working';
const completed = (): 'completed' => 'completed';
const anyStatus = (w: World): TaskStatus => w.status();
/** A task someone would still want to cancel. */
const live = (w: World): TaskStatus => w.rng.weighted<TaskStatus>([[9, 'working'], [1, 'input_required']]);

/** create or call of `tool` by a principal built by `who`, with an optional TTL request on create. */
function startTool(op: 'create' | 'call', pick: (w: World) => ToolData | undefined, who?: (w: World, tool: ToolData) => PrincipalInput | undefined, ttl?: (w: World) => number | null): Build {
  return (w) => {
    const tool = pick(w);
    if (!tool) return undefined;
    const principal = who ? who(w, tool) : w.principalFor(tool, op);
    if (!principal) return undefined;
    const input: DecisionInput = { ...on(w, op, principal), tool: { name: tool.name } };
    if (op === 'create') input.request = { ttl_ms: (ttl ?? requestedTtl)(w) };
    return input;
  };
}

function requestedTtl(w: World): number | null {
  return w.rng.weighted<number | null>([[40, null], [15, 60_000], [15, 300_000], [15, 900_000], [10, 1_800_000], [5, 7_200_000]]);
}

const withScopeGap = (op: Operation) => (w: World, tool: ToolData): PrincipalInput | undefined =>
  tool.required_scopes.length === 0 ? undefined : { ...w.principalFor(tool, op), scopes: withoutOneOf(w.scopes, tool.required_scopes, w.rng) };

/** A chained call inside a running task: parent tool from the task, child tool from `pair`. */
function chain(pair: (w: World) => [ToolData, ToolData] | undefined, opts: { scopes?: (w: World, child: ToolData) => string[]; depth?: (w: World) => number; status?: 'working' | 'completed'; caller?: typeof colleague } = {}): Build {
  return (w) => {
    const tools = pair(w);
    if (!tools) return undefined;
    const [parent, child] = tools;
    const owner = w.principalFor(parent, 'create');
    const scoped = opts.scopes ? { ...owner, scopes: opts.scopes(w, child) } : owner;
    const caller = opts.caller ? opts.caller(w, owner) : owner;
    if (!caller) return undefined;
    return {
      ...on(w, 'chain', caller),
      task: w.task(scoped, parent, opts.status ?? 'working'),
      chain: { tool: child.name, depth: opts.depth ? opts.depth(w) : w.rng.int(1, w.data.maxChainDepth) },
    };
  };
}

function pairWhere(w: World, ok: (parent: ToolData, child: ToolData) => boolean): [ToolData, ToolData] | undefined {
  const pairs = w.tools(isTaskTool).flatMap((p) => w.tools().filter((c) => c !== p && ok(p, c)).map((c) => [p, c] as [ToolData, ToolData]));
  return pairs.length > 0 ? w.rng.pick(pairs) : undefined;
}

const escalates = (p: ToolData, c: ToolData): boolean => riskRank(c) > riskRank(p);
const allowedEscalation = (w: World, p: ToolData, c: ToolData): boolean => w.data.escalations.some((e) => e.from === p.name && e.to === c.name);

const SCENARIOS: Readonly<Record<Operation, readonly Scenario[]>> = {
  get: [
    [72, 'owner', ownTask('get', anyStatus)],
    [6, 'other-user', foreignTask('get', colleague)],
    [4, 'other-tenant', foreignTask('get', foreigner)],
    [3, 'other-client', foreignTask('get', sameUserOtherClient)],
    [8, 'supervisor', foreignTask('get', tenantSupervisor)],
    [2, 'supervisor-other-tenant', foreignTask('get', outsideSupervisor)],
    [4, 'expired', ownTask('get', anyStatus, { expired: true })],
    [1, 'principal-incomplete', foreignTask('get', incomplete)],
  ],
  result: [
    [50, 'owner', ownTask('result', completed)],
    [
      14,
      'single-read-first',
      (w) => {
        const tool = w.pickTool((t) => isTaskTool(t) && t.single_read);
        if (!tool) return undefined;
        const owner = w.principalFor(tool, 'result');
        return { ...on(w, 'result', owner), task: w.task(owner, tool, 'completed') };
      },
    ],
    [
      10,
      'single-read-revoked',
      (w) => {
        const tool = w.pickTool((t) => isTaskTool(t) && t.single_read);
        if (!tool) return undefined;
        const owner = w.principalFor(tool, 'result');
        return { ...on(w, 'result', owner), task: w.task(owner, tool, 'completed', { resultsRead: w.rng.int(1, 3) }) };
      },
    ],
    [6, 'step-up-missing', stepUpCase('result', 'password')],
    [3, 'step-up-stale', stepUpCase('result', 'mfa-stale')],
    [8, 'other-user', foreignTask('result', colleague)],
    [4, 'supervisor', foreignTask('result', tenantSupervisor)],
    [5, 'expired', ownTask('result', completed, { expired: true })],
  ],
  list: [
    [85, 'owner', (w) => on(w, 'list', w.principal({ user: w.user() }))],
    [10, 'supervisor', (w) => (w.supervisorRole === undefined ? undefined : on(w, 'list', w.supervisor()))],
    [3, 'principal-incomplete', (w) => on(w, 'list', { ...w.principal({ user: w.user() }), client_id: '' })],
    [2, 'actor-not-allowed', (w) => on(w, 'list', w.principal({ user: w.user(), actor: 'svc-unknown' }))],
  ],
  create: [
    [62, 'allowed', startTool('create', (w) => w.pickTool(isTaskTool))],
    [4, 'actor-allowed', startTool('create', (w) => w.pickTool(isTaskTool), (w, t) => actorFor(w, t, 'create', w.data.actors[0]))],
    [2, 'actor-not-allowed', startTool('create', (w) => w.pickTool(isTaskTool), (w, t) => actorFor(w, t, 'create', 'svc-unknown'))],
    [7, 'task-forbidden', startTool('create', (w) => w.pickTool((t) => t.task_support === 'forbidden'))],
    [8, 'insufficient-scope', startTool('create', (w) => w.pickTool((t) => isTaskTool(t) && t.required_scopes.length > 0), withScopeGap('create'))],
    [5, 'role-not-allowed', startTool('create', (w) => w.pickTool((t) => isTaskTool(t) && t.allowed_roles.length > 0), (w, t) => ({ ...w.principalFor(t, 'create'), roles: ['viewer'] }))],
    [4, 'client-not-allowed', startTool('create', (w) => w.pickTool((t) => isTaskTool(t) && t.allowed_clients.length > 0), (w, t) => ({ ...w.principalFor(t, 'create'), client_id: 'rogue-cli' }))],
    [3, 'invalid-ttl', startTool('create', (w) => w.pickTool(isTaskTool), undefined, (w) => w.rng.pick([-1, 0, 1500.5]))],
    [3, 'unknown-tool', startTool('create', () => unknownTool, (w) => w.principal({ user: w.user() }))],
    [2, 'principal-incomplete', startTool('create', (w) => w.pickTool(isTaskTool), (w, t) => ({ ...w.principalFor(t, 'create'), client_id: '' }))],
  ],
  cancel: [
    [65, 'owner', ownTask('cancel', live)],
    [10, 'owner-terminal', ownTask('cancel', (w) => w.rng.pick(['completed', 'failed', 'cancelled'] as const))],
    [12, 'supervisor', foreignTask('cancel', tenantSupervisor, live)],
    [6, 'other-user', foreignTask('cancel', colleague, live)],
    [4, 'other-tenant', foreignTask('cancel', foreigner, live)],
    [3, 'expired', ownTask('cancel', working, { expired: true })],
  ],
  call: [
    [72, 'allowed', startTool('call', (w) => w.pickTool(isInlineTool))],
    [4, 'actor-allowed', startTool('call', (w) => w.pickTool(isInlineTool), (w, t) => actorFor(w, t, 'call', w.data.actors[0]))],
    [10, 'task-required', startTool('call', (w) => w.pickTool((t) => t.task_support === 'required'))],
    [10, 'insufficient-scope', startTool('call', (w) => w.pickTool((t) => isInlineTool(t) && t.required_scopes.length > 0), withScopeGap('call'))],
    [4, 'unknown-tool', startTool('call', () => unknownTool, (w) => w.principal({ user: w.user() }))],
  ],
  chain: [
    [60, 'within-scope', chain((w) => pairWhere(w, (p, c) => !escalates(p, c)))],
    [10, 'escalation-allowed', chain((w) => pairWhere(w, (p, c) => allowedEscalation(w, p, c)))],
    [10, 'escalation-denied', chain((w) => pairWhere(w, (p, c) => escalates(p, c) && !allowedEscalation(w, p, c)))],
    [8, 'scope-exceeded', chain((w) => pairWhere(w, (p, c) => !escalates(p, c) && c.required_scopes.length > 0), { scopes: (w, c) => withoutOneOf(w.scopes, c.required_scopes, w.rng) })],
    [6, 'depth-exceeded', chain((w) => pairWhere(w, (p, c) => !escalates(p, c)), { depth: (w) => w.data.maxChainDepth + w.rng.int(1, 2) })],
    [3, 'other-user', chain((w) => pairWhere(w, (p, c) => !escalates(p, c)), { caller: colleague })],
    [3, 'task-terminal', chain((w) => pairWhere(w, (p, c) => !escalates(p, c)), { status: 'completed' })],
  ],
  input: [
    [70, 'owner-awaiting', ownTask('input', () => 'input_required')],
    [15, 'step-up-missing', stepUpCase('input', 'password')],
    [10, 'not-awaiting', ownTask('input', working)],
    [5, 'other-user', foreignTask('input', colleague)],
  ],
};

const unknownTool: ToolData = {
  name: 'shell_exec',
  task_support: 'optional',
  risk: 'high',
  required_scopes: [],
  allowed_roles: [],
  allowed_clients: [],
  single_read: false,
  step_up: {},
};

function actorFor(w: World, tool: ToolData, op: Operation, actor: string | undefined): PrincipalInput | undefined {
  return actor === undefined ? undefined : { ...w.principalFor(tool, op), act: { sub: actor } };
}

/** The owner of a tool with a step-up rule for `op`, authenticated too weakly or too long ago. */
function stepUpCase(op: 'result' | 'input', auth: 'password' | 'mfa-stale'): Build {
  return (w) => {
    const tool = w.pickTool((t) => isTaskTool(t) && t.step_up[op] !== undefined);
    if (!tool) return undefined;
    const owner = w.principalFor(tool, op);
    const weak = w.principal({ user: { sub: owner.sub, tenant: owner.tenant }, client: owner.client_id, roles: owner.roles, auth });
    return { ...on(w, op, weak), task: w.task(owner, tool, op === 'input' ? 'input_required' : 'completed') };
  };
}
