import fc from 'fast-check';
import { ATTACKER_NAMES, BAD_CREDENTIALS, type AttackerName, type BadCredential } from './callers.js';
import { anyJson, methodAndParams } from './params.js';

/**
 * One fuzz case, as plain data so that fast-check can print and shrink it. References to things that only
 * exist at run time (a real task id, a session, a cursor) are markers that `render` resolves.
 */
export interface FuzzCase {
  who: AttackerName | BadCredential;
  session: SessionRef;
  http: 'POST' | 'GET' | 'DELETE' | 'PUT' | 'OPTIONS' | 'PATCH';
  path: string;
  headers: HeaderChoices;
  body: BodySpec;
}

export type SessionRef = 'own' | 'owner' | 'other-attacker' | 'random-uuid' | 'garbage' | 'none' | 'empty';

export interface HeaderChoices {
  accept: string | null;
  contentType: string | null;
  protocolVersion: string | null;
  /** `loopback` / `loopback-name` are this host's own origin; anything else is a literal value. */
  origin: string | null;
  /** `default` is the listen address; anything else is sent literally. */
  host: string;
  lastEventId: string | null;
}

export type BodySpec =
  | { kind: 'message'; message: MessageSpec }
  | { kind: 'batch'; messages: MessageSpec[] }
  | { kind: 'text'; text: string }
  | { kind: 'json'; value: unknown }
  | { kind: 'deep'; depth: number; container: 'array' | 'object'; where: 'body' | 'params' | 'arguments' }
  | { kind: 'bytes'; hex: string }
  | { kind: 'number-words'; word: 'NaN' | 'Infinity' | '-Infinity' }
  | { kind: 'huge' }
  | { kind: 'none' };

/** A JSON-RPC message; `undefined` fields are left out of the body. */
export interface MessageSpec {
  jsonrpc: unknown;
  id: unknown;
  method: unknown;
  params: unknown;
  /** A client sending something shaped like a response. */
  result?: unknown;
}


const requestId: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 10, arbitrary: fc.integer({ min: 0, max: 1_000_000 }) },
  { weight: 4, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 3, arbitrary: fc.constantFrom<unknown>(null, 1.5, -0, 2 ** 53 + 2, 1e300, true, {}, [], [1], { a: 1 }) },
  { weight: 2, arbitrary: fc.constant(undefined) },
);

const messageSpec: fc.Arbitrary<MessageSpec> = fc.record({
  jsonrpc: fc.oneof({ weight: 30, arbitrary: fc.constant<unknown>('2.0') }, { weight: 1, arbitrary: fc.constantFrom<unknown>('1.0', 2, null, undefined, '2.0 ') }),
  id: requestId,
  method: fc.constant<unknown>(undefined),
  params: fc.constant<unknown>(undefined),
}).chain((base) => fc.tuple(methodAndParams, fc.oneof({ weight: 40, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: anyJson }))
  .map(([[method, params], result]) => ({ ...base, method, params, ...(result === undefined ? {} : { result }) })));

const body: fc.Arbitrary<BodySpec> = fc.oneof(
  { weight: 400, arbitrary: messageSpec.map((message) => ({ kind: 'message' as const, message })) },
  { weight: 25, arbitrary: fc.array(messageSpec, { minLength: 0, maxLength: 3 }).map((messages) => ({ kind: 'batch' as const, messages })) },
  { weight: 15, arbitrary: fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('{', '{"jsonrpc":"2.0",', '[{]', "{'a':1}", '', ' ', 'null,', '{"id":1}}')).map((text) => ({ kind: 'text' as const, text })) },
  { weight: 10, arbitrary: anyJson.map((value) => ({ kind: 'json' as const, value })) },
  { weight: 10, arbitrary: fc.record({
    depth: fc.constantFrom(64, 1_000, 10_000, 100_000),
    container: fc.constantFrom<'array' | 'object'>('array', 'object'),
    where: fc.constantFrom<'body' | 'params' | 'arguments'>('body', 'params', 'arguments'),
  }).map((d) => ({ kind: 'deep' as const, ...d })) },
  { weight: 5, arbitrary: fc.constantFrom('ff', 'c328', 'e28', 'efbbbf7b7d', '7b2269223a31fe7d', '00').map((hex) => ({ kind: 'bytes' as const, hex })) },
  { weight: 5, arbitrary: fc.constantFrom<'NaN' | 'Infinity' | '-Infinity'>('NaN', 'Infinity', '-Infinity').map((word) => ({ kind: 'number-words' as const, word })) },
  { weight: 5, arbitrary: fc.constant({ kind: 'none' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'huge' as const }) },
);

function usually<T>(common: T, others: fc.Arbitrary<T>, weight = 12): fc.Arbitrary<T> {
  return fc.oneof({ weight, arbitrary: fc.constant(common) }, { weight: 1, arbitrary: others });
}

const headers: fc.Arbitrary<HeaderChoices> = fc.record({
  accept: usually<string | null>('application/json, text/event-stream', fc.constantFrom(null, 'application/json', 'text/event-stream', '*/*', 'text/html', 'application/json, text/event-stream;q=0', '')),
  contentType: usually<string | null>('application/json', fc.constantFrom(null, 'text/plain', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'application/jsonx', 'application/json-patch+json', 'multipart/form-data', '')),
  protocolVersion: fc.oneof({ weight: 10, arbitrary: fc.constant<string | null>('2025-11-25') }, { weight: 3, arbitrary: fc.constant(null) },
    { weight: 2, arbitrary: fc.constantFrom('2025-06-18', '2024-11-05', '2026-07-28', 'garbage', '') }),
  origin: fc.oneof({ weight: 14, arbitrary: fc.constant<string | null>(null) },
    { weight: 2, arbitrary: fc.constantFrom('loopback', 'loopback-name') },
    { weight: 3, arbitrary: fc.constantFrom('http://evil.example', 'null', 'https://127.0.0.1.evil.example', 'http://localhost.evil.example:80', 'file://', 'http://[::ffff:7f00:1].evil') }),
  host: usually('default', fc.constantFrom('localhost-port', 'evil.example', '127.0.0.1', 'evil.example:80', '')),
  lastEventId: usually<string | null>(null, fc.constantFrom('0', 'abc', '../../x'), 30),
});

/** Anything: every field of the request may be off, from the bearer to the JSON-RPC envelope. */
const anyCase: fc.Arbitrary<FuzzCase> = fc.record({
  who: fc.oneof({ weight: 10, arbitrary: fc.constantFrom<AttackerName | BadCredential>(...ATTACKER_NAMES) }, { weight: 1, arbitrary: fc.constantFrom<AttackerName | BadCredential>(...BAD_CREDENTIALS) }),
  session: usually<SessionRef>('own', fc.constantFrom<SessionRef>('owner', 'owner', 'other-attacker', 'random-uuid', 'garbage', 'none', 'empty'), 8),
  http: usually<FuzzCase['http']>('POST', fc.constantFrom<FuzzCase['http']>('GET', 'GET', 'DELETE', 'DELETE', 'PUT', 'OPTIONS', 'PATCH'), 20),
  path: usually('/mcp', fc.constantFrom('/mcp/', '/MCP', '/mcp?x=1', '/', '/mcp/../mcp', '/mcp%00'), 40),
  headers,
  body,
});

const CONFORMING_HEADERS: HeaderChoices = {
  accept: 'application/json, text/event-stream', contentType: 'application/json', protocolVersion: '2025-11-25', origin: null, host: 'default', lastEventId: null,
};

/**
 * A request a conforming client could send, on the caller's own session, with only its params to vary:
 * the cases that get past the transport to the guard, where binding, lifecycle and policy are decided.
 */
const cleanCase: fc.Arbitrary<FuzzCase> = fc.record({
  who: fc.constantFrom<AttackerName | BadCredential>(...ATTACKER_NAMES),
  session: fc.constant<SessionRef>('own'),
  http: fc.constant<FuzzCase['http']>('POST'),
  path: fc.constant('/mcp'),
  headers: fc.constant(CONFORMING_HEADERS),
  body: fc.tuple(fc.integer({ min: 1, max: 1_000_000 }), methodAndParams).map(([id, [method, params]]) => ({
    kind: 'message' as const, message: { jsonrpc: '2.0', id, method, params },
  })),
});

export const fuzzCase: fc.Arbitrary<FuzzCase> = fc.oneof({ weight: 1, arbitrary: cleanCase }, { weight: 1, arbitrary: anyCase });
