import fc from 'fast-check';
import { OWNER_TASKS } from './callers.js';

/** A task id by what it refers to: the caller's own, one of alice's, none, or one of hers bent out of shape. */
export type TaskRef = 'own-latest' | 'own-first' | `owner:${(typeof OWNER_TASKS)[number]}` | 'random-uuid' | 'owner-uppercase' | 'owner-truncated' | 'owner-padded' | 'owner-braced';
export type CursorRef = 'own' | 'owner' | 'owner-truncated' | 'owner-flipped' | 'owner-extra-part' | 'random';

/** Markers resolved at send time. */
export interface TaskMarker { $fuzz: 'task'; ref: TaskRef }
export interface CursorMarker { $fuzz: 'cursor'; ref: CursorRef }

export const REGISTERED_TOOLS = ['export_data', 'convert_document', 'lookup', 'run_workflow', 'approve_publication'] as const;
export const KNOWN_METHODS = [
  'initialize', 'ping', 'tools/list', 'tools/call', 'tasks/get', 'tasks/result', 'tasks/list', 'tasks/cancel',
] as const;
const UNKNOWN_METHODS = ['server/discover', 'tasks/update', 'resources/list', 'prompts/get', 'completion/complete', 'logging/setLevel', 'sampling/createMessage', 'rpc.discover', 'tools/Call', 'tasks/', ''];

const special = fc.constantFrom<unknown>(1.5, -0, 0, -1, 1e308, -1e308, 2 ** 53, 2 ** 53 + 2, 1e-300, 60_000, 4_294_967_296, -60_000);
const oddString = fc.constantFrom(
  '', ' ', '60000', 'null', 'true', '\u0000', '../../etc/passwd', '%s%n%x', '<script>alert(1)</script>', '\ud800', '\u202e', 'é', '🙂',
  'a'.repeat(5000), "' OR 1=1 --", '${process.env}', '__proto__', 'constructor',
);
/** A JSON value of any type: scalars incl. odd numbers and strings, arrays, objects, nested. */
export const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: special },
  { weight: 3, arbitrary: oddString },
  { weight: 6, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'taskId', 'cursor', 'ttl', 'name', '_meta'), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }) },
);

const taskMarker: fc.Arbitrary<TaskMarker> = fc.constantFrom<TaskRef>(
  'own-latest', 'own-first', ...OWNER_TASKS.map((t) => `owner:${t}` as const), 'random-uuid', 'owner-uppercase', 'owner-truncated', 'owner-padded', 'owner-braced',
).map((ref) => ({ $fuzz: 'task' as const, ref }));
const cursorMarker: fc.Arbitrary<CursorMarker> = fc.constantFrom<CursorRef>('own', 'owner', 'owner-truncated', 'owner-flipped', 'owner-extra-part', 'random')
  .map((ref) => ({ $fuzz: 'cursor' as const, ref }));

/** Adds, at random, a field of any type to an object, or replaces the whole thing with any JSON value. */
function mutated(valid: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 8, arbitrary: valid },
    { weight: 2, arbitrary: fc.tuple(valid, fc.constantFrom('extra', '_meta', 'task', 'taskId', 'cursor'), anyJson).map(([v, k, x]) => ({ ...v, [k]: x })) },
    { weight: 2, arbitrary: anyJson },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

const ttl = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 4_000_000 }) },
  { weight: 3, arbitrary: anyJson },
);
const taskParam = fc.oneof(
  { weight: 4, arbitrary: fc.constant({}) },
  { weight: 6, arbitrary: ttl.map((t) => ({ ttl: t })) },
  { weight: 2, arbitrary: anyJson },
);
const idempotencyKey = fc.oneof(fc.constantFrom('k-1', 'k-2', 'order-7f3a'), fc.string({ minLength: 1, maxLength: 8 }), anyJson);
const callMeta = fc.oneof(
  fc.constant({}),
  idempotencyKey.map((key) => ({ 'io.taskguard/idempotency-key': key })),
  anyJson.map((token) => ({ progressToken: token })),
  anyJson,
);

const smallText = fc.string({ maxLength: 40 });
const stepTool = fc.oneof(fc.constantFrom<unknown>(...REGISTERED_TOOLS, 'no_such_tool'), anyJson);
const argumentsFor: Record<(typeof REGISTERED_TOOLS)[number], fc.Arbitrary<Record<string, unknown>>> = {
  export_data: fc.record({ rows: fc.integer({ min: 0, max: 40 }) }),
  convert_document: fc.record({ text: smallText }),
  lookup: fc.record({ q: smallText }),
  run_workflow: fc.record({ steps: fc.array(fc.record({ tool: stepTool, args: fc.oneof(fc.constant({}), fc.record({ q: smallText }), fc.record({ rows: fc.integer({ min: 0, max: 5 }) })) }), { maxLength: 3 }) }),
  approve_publication: fc.record({ title: smallText }),
};

/** tools/call params: a registered tool with its arguments, or an unknown or malformed name; with or without `task`. */
const toolsCallParams: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...REGISTERED_TOOLS).chain((name) => fc.record(
    { name: fc.constant<unknown>(name), arguments: mutated(argumentsFor[name]), task: taskParam, _meta: callMeta },
    { requiredKeys: ['name'] },
  )) },
  { weight: 2, arbitrary: fc.record(
    { name: fc.oneof(fc.constantFrom<unknown>('no_such_tool', 'Export_Data', 'export_data ', ''), anyJson), arguments: anyJson, task: taskParam },
    { requiredKeys: ['name'] },
  ) },
  { weight: 1, arbitrary: anyJson },
);

const taskIdParams: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 8, arbitrary: taskMarker.map((taskId) => ({ taskId })) },
  { weight: 2, arbitrary: anyJson.map((taskId) => ({ taskId })) },
  { weight: 1, arbitrary: fc.constant({}) },
  { weight: 1, arbitrary: fc.tuple(taskMarker, fc.constantFrom('_meta', 'cursor', 'extra'), anyJson).map(([taskId, k, v]) => ({ taskId, [k]: v })) },
  { weight: 1, arbitrary: anyJson },
);

const listParams: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({}) },
  { weight: 5, arbitrary: cursorMarker.map((cursor) => ({ cursor })) },
  { weight: 2, arbitrary: anyJson.map((cursor) => ({ cursor })) },
  { weight: 1, arbitrary: anyJson },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

const initializeParams: fc.Arbitrary<unknown> = mutated(fc.record({
  protocolVersion: fc.oneof(fc.constantFrom<unknown>('2025-11-25', '2025-06-18', '2024-11-05', '2026-07-28', '1999-01-01'), anyJson),
  capabilities: fc.oneof(fc.constant<unknown>({}), fc.constant({ elicitation: { form: {} } }), fc.constant({ tasks: {} }), anyJson),
  clientInfo: fc.oneof(fc.constant<unknown>({ name: 'fuzz', version: '1.0.0' }), anyJson),
}));

const anyParams: fc.Arbitrary<unknown> = fc.oneof(fc.constant(undefined), fc.constant({}), anyJson);

/**
 * [method, params] for every method the surface has, and for some it does not; the params well formed or
 * mutated: a field now and then of another JSON type, an extra field, or the whole params any JSON value.
 */
export const methodAndParams: fc.Arbitrary<[unknown, unknown]> = fc.oneof(
  { weight: 14, arbitrary: toolsCallParams.map((p) => ['tools/call', p] as [unknown, unknown]) },
  { weight: 6, arbitrary: taskIdParams.map((p) => ['tasks/get', p] as [unknown, unknown]) },
  { weight: 4, arbitrary: taskIdParams.map((p) => ['tasks/result', p] as [unknown, unknown]) },
  { weight: 5, arbitrary: taskIdParams.map((p) => ['tasks/cancel', p] as [unknown, unknown]) },
  { weight: 5, arbitrary: listParams.map((p) => ['tasks/list', p] as [unknown, unknown]) },
  { weight: 2, arbitrary: anyParams.map((p) => ['tools/list', p] as [unknown, unknown]) },
  { weight: 2, arbitrary: initializeParams.map((p) => ['initialize', p] as [unknown, unknown]) },
  { weight: 1, arbitrary: anyParams.map((p) => ['ping', p] as [unknown, unknown]) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom<unknown>('notifications/initialized', 'notifications/cancelled', 'notifications/progress', 'notifications/tasks/status'), anyParams) },
  { weight: 3, arbitrary: fc.tuple(fc.oneof(fc.constantFrom<unknown>(...UNKNOWN_METHODS), fc.string({ maxLength: 12 })), anyParams) },
  { weight: 1, arbitrary: fc.tuple(anyJson, anyParams) },
);
