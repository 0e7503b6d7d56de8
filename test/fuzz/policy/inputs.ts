import fc from 'fast-check';
import { OPERATIONS, TASK_STATUSES } from '../../../src/decision/types.js';

/**
 * Random decision inputs after docs/POLICY.md and src/decision/types.ts: every operation, principals whose
 * identity matches a task's owner in all, some or none of tenant / sub / client_id, scopes, roles, acr and
 * auth_time around the step-up max_age edges, tasks in every status around their expiry, ttl and chain
 * depth at and beyond their limits, and, at every level, values of the wrong type or missing altogether.
 */
export const NOW_MS = 1_763_800_000_000;

const TOOLS = ['export_data', 'convert_document', 'lookup', 'run_workflow', 'approve_publication'] as const;
const SCOPES = ['reports:read', 'reports:export', 'docs:convert', 'docs:publish', 'workflows:run'] as const;
const MISSING = Symbol('missing');
type Maybe<T> = T | typeof MISSING;

/** Something of a type the schema does not allow here. */
const wrongType: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(null, true, false, 0, -1, 1.5, '', 'x', [], {}, ['a'], { sub: 'alice' }, 1e308, -0),
  fc.jsonValue({ maxDepth: 2 }),
);

/** Clean inputs follow the schema everywhere (so most reach the policy's deeper rules); the rest do not. */
interface Mode {
  clean: boolean;
}

/** Mostly `valid`, sometimes (unless clean) a wrong type or absent. */
function field<T>(mode: Mode, valid: fc.Arbitrary<T>): fc.Arbitrary<Maybe<T | unknown>> {
  if (mode.clean) return valid;
  return fc.oneof({ weight: 12, arbitrary: valid }, { weight: 1, arbitrary: wrongType }, { weight: 1, arbitrary: fc.constant(MISSING) });
}

/** `valid`, or (unless clean) now and then one of `odd`. */
function mostly<T>(mode: Mode, valid: fc.Arbitrary<T>, ...odd: fc.Arbitrary<unknown>[]): fc.Arbitrary<unknown> {
  if (mode.clean) return valid;
  return fc.oneof({ weight: 12, arbitrary: valid }, ...odd.map((arbitrary) => ({ weight: 1, arbitrary })));
}

/** An object without the fields drawn as MISSING. */
function objectOf(fields: Record<string, Maybe<unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== MISSING));
}

const identity = {
  sub: fc.constantFrom('alice', 'bob', 'sam', 'sue', 'Alice', 'alice '),
  tenant: fc.constantFrom('acme', 'globex', 'initech'),
  client_id: fc.constantFrom('reports-agent', 'docs-console', 'batch-runner'),
};

/** Milliseconds relative to now that sit on and next to every edge the policies compare against. */
const edgeOffsetsMs = fc.constantFrom(
  0, 1, -1, -299_999, -300_000, -300_001, -599_999, -600_000, -600_001, 29_999, 30_000, 30_001, -3_600_000, 3_600_000, -86_400_000,
);
const aroundNow = fc.oneof(edgeOffsetsMs.map((d) => NOW_MS + d), fc.integer({ min: -4_000_000, max: 4_000_000 }).map((d) => NOW_MS + d));

/** All of them as often as some: a task created with every scope is where chaining gets furthest. */
const scopes = (all: string[]): fc.Arbitrary<string[]> => fc.oneof(fc.constant(all), fc.subarray(all));

const principal = (mode: Mode): fc.Arbitrary<Record<string, unknown>> => fc.record({
  sub: field(mode, identity.sub), tenant: field(mode, identity.tenant), client_id: field(mode, identity.client_id),
  scopes: field(mode, scopes([...SCOPES, 'admin'])),
  roles: field(mode, fc.oneof(fc.constant(['analyst']), fc.subarray(['analyst', 'task-supervisor', 'auditor']))),
  acr: field(mode, fc.constantFrom('', 'urn:example:mfa', 'urn:example:pwd', 'URN:EXAMPLE:MFA')),
  auth_time_ms: field(mode, fc.oneof(aroundNow, fc.constant(0))),
  act: fc.oneof({ weight: 8, arbitrary: fc.constant(MISSING) }, { weight: 3, arbitrary: mode.clean ? fc.constantFrom<unknown>({ sub: 'svc-batch' }, { sub: 'evil-svc' }) : fc.constantFrom<unknown>({ sub: 'svc-batch' }, { sub: 'evil-svc' }, { sub: '' }, {}, 'svc-batch', null, { sub: 5 }) }),
}).map(objectOf);

/** The task's owner: the principal itself, the principal with one of tenant / sub / client_id changed, or anyone. */
const owner = (mode: Mode, p: Record<string, unknown>): fc.Arbitrary<unknown> => mostly(mode, fc.oneof(
  { weight: 6, arbitrary: fc.constant(objectOf({ sub: p['sub'] ?? MISSING, tenant: p['tenant'] ?? MISSING, client_id: p['client_id'] ?? MISSING })) },
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom('sub', 'tenant', 'client_id'), fc.oneof(identity.sub, identity.tenant, identity.client_id)).map(([key, value]) => objectOf({ sub: p['sub'] ?? MISSING, tenant: p['tenant'] ?? MISSING, client_id: p['client_id'] ?? MISSING, [key]: value })) },
  { weight: 2, arbitrary: fc.record({ sub: field(mode, identity.sub), tenant: field(mode, identity.tenant), client_id: field(mode, identity.client_id) }).map(objectOf) },
), wrongType);

const toolName = (mode: Mode): fc.Arbitrary<unknown> => mostly(mode, fc.oneof({ weight: 10, arbitrary: fc.constantFrom<unknown>(...TOOLS) }, { weight: 2, arbitrary: fc.constantFrom<unknown>('no_such_tool', '', 'Export_Data') }), wrongType);

const task = (mode: Mode, p: Record<string, unknown>, now: unknown): fc.Arbitrary<Record<string, unknown>> => {
  const base = Number.isSafeInteger(now) && (now as number) > 4_000_000 ? (now as number) : NOW_MS;
  return fc.record({
    id: field(mode, fc.constant('t-1')),
    status: field(mode, mode.clean ? fc.constantFrom<unknown>(...TASK_STATUSES) : fc.constantFrom<unknown>(...TASK_STATUSES, 'expired', 'Working')),
    tool: toolName(mode),
    owner: owner(mode, p),
    scopes: field(mode, scopes([...SCOPES])),
    created_ms: field(mode, fc.integer({ min: base - 4_000_000, max: base })),
    expires_ms: field(mode, fc.oneof(edgeOffsetsMs.map((d) => base + d), fc.integer({ min: base - 100_000, max: base + 4_000_000 }))),
    results_read: field(mode, mode.clean ? fc.constantFrom(0, 0, 1, 2) : fc.constantFrom(0, 0, 1, 2, -1)),
  }).map(objectOf);
};

const ttl = fc.oneof(
  fc.constantFrom<unknown>(null, null, 1, 600_000, 899_999, 900_000, 1_800_000, 1_800_001, 3_600_000, 3_600_001, 0, -1, 1.5, '60000', true, {}),
  // Whole numbers past 2^53, and past 1e21 where JSON writes them with an exponent.
  fc.constantFrom<unknown>(2 ** 53, 2 ** 53 + 2, 1e21, 1.2345678901234567e21, 1e28, 1e308),
  fc.integer({ min: 1, max: 10_000_000 }),
);

/** One decision input: `clean` ones follow the schema throughout, the others break it anywhere. */
const decisionInput = (mode: Mode): fc.Arbitrary<unknown> => fc.record({
  op: mostly(mode, fc.constantFrom<unknown>(...OPERATIONS), fc.constantFrom<unknown>('delete', '', 'GET', MISSING), wrongType),
  now_ms: mostly(mode, fc.oneof({ weight: 7, arbitrary: fc.constant<unknown>(NOW_MS) }, { weight: 1, arbitrary: aroundNow }), fc.constantFrom<unknown>(0, -1, 1.5, '1763800000000', MISSING)),
  principal: mostly(mode, principal(mode), wrongType, fc.constant(MISSING)),
}).chain((head) => {
  const p = typeof head.principal === 'object' && head.principal !== null && !Array.isArray(head.principal) ? (head.principal as Record<string, unknown>) : {};
  // A clean input carries what its operation reads (docs/POLICY.md, "operations" column), and now and then
  // a field it does not; the others take their chances.
  const op = head.op;
  const part = <T>(needed: boolean, arbitrary: fc.Arbitrary<T>, odd: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> => {
    if (mode.clean) return needed ? arbitrary : fc.oneof({ weight: 4, arbitrary: fc.constant(MISSING) }, { weight: 1, arbitrary });
    return fc.oneof({ weight: 6, arbitrary }, { weight: 3, arbitrary: fc.constant(MISSING) }, { weight: 1, arbitrary: odd });
  };
  return fc.record({
    tool: part(op === 'create' || op === 'call', toolName(mode).map((name) => ({ name })), wrongType),
    request: part(op === 'create', ttl.map((ttl_ms) => ({ ttl_ms })), fc.constantFrom<unknown>({}, null, 'x')),
    task: part(['get', 'result', 'cancel', 'input', 'chain'].includes(op as string), task(mode, p, head.now_ms), wrongType),
    chain: part(op === 'chain', fc.record({
      tool: toolName(mode),
      depth: field(mode, mode.clean ? fc.constantFrom<unknown>(1, 1, 2, 3, 4) : fc.constantFrom<unknown>(0, 1, 2, 3, 4, 1.5, '2')),
    }).map(objectOf), wrongType),
    extra: mode.clean ? fc.constant(MISSING) : fc.oneof({ weight: 10, arbitrary: fc.constant(MISSING) }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) }),
  }).map((rest) => objectOf({ ...head, ...rest }));
});

/** Mostly inputs a host could build, many that it could not, and now and then one that is not even an object. */
export const anyDecisionInput: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 20, arbitrary: decisionInput({ clean: true }) },
  { weight: 10, arbitrary: decisionInput({ clean: false }) },
  { weight: 1, arbitrary: wrongType },
);
