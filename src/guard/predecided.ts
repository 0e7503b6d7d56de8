import type { Operation, Wire } from '../decision/types.js';
import { principalKey, type Principal } from '../identity/principal.js';
import type { TaskRecord } from '../stores/types.js';
import type { Decided } from './core.js';

/**
 * A decision a transport took for a request before routing it (the HTTP host asks, so it can answer a
 * step-up with an RFC 9470 401 at its own layer), handed on with the request so that the operation does not
 * decide the same request a second time. It is used only for the same principal, operation and subject, and
 * for a task only while the record is as it was when decided.
 */
export interface Predecided extends Subject {
  principal: Principal;
  decided: Decided;
}

/** What a decision was about: everything in its input besides the principal and the clock. */
export interface Subject {
  op: Operation;
  /** Default 2025-11-25. */
  wire?: Wire | undefined;
  tool?: string | undefined;
  /** For create and call: whether the client could take a task (part of the decision input). */
  tasksDeclared?: boolean | undefined;
  /** For create: the TTL the request asked for (it is part of the decision input). */
  requestedTtlMs?: number | null | undefined;
  record?: TaskRecord | undefined;
}

export function reuse(predecided: Predecided | undefined, principal: Principal, subject: Subject): Decided | undefined {
  if (!predecided || predecided.op !== subject.op || predecided.tool !== subject.tool) return undefined;
  if (predecided.requestedTtlMs !== subject.requestedTtlMs || predecided.tasksDeclared !== subject.tasksDeclared) return undefined;
  if ((predecided.wire ?? '2025-11-25') !== (subject.wire ?? '2025-11-25')) return undefined;
  if (!samePrincipal(predecided.principal, principal)) return undefined;
  const then = predecided.record;
  const now = subject.record;
  if ((then === undefined) !== (now === undefined)) return undefined;
  if (then && now && (then.id !== now.id || then.updatedMs !== now.updatedMs || then.status !== now.status)) return undefined;
  return predecided.decided;
}

function samePrincipal(a: Principal, b: Principal): boolean {
  return principalKey(a) === principalKey(b) && a.acr === b.acr && a.authTimeMs === b.authTimeMs && a.expiresAtMs === b.expiresAtMs;
}
