import type { Operation, Wire } from '../decision/types.js';
import type { Principal } from '../identity/principal.js';
import type { GuardCore } from './core.js';
import type { Predecided } from './predecided.js';

/** The generation whose tasks are an extension: server-directed creation, tasks/get|update|cancel, no sessions. */
export const EXTENSION_WIRE: Wire = '2026-07-28';

/** What a 2026-07-28 request carries besides its params. */
export interface ExtensionRequest {
  /** The request's own `_meta` client capabilities declared the tasks extension (capabilities are per request). */
  tasksDeclared: boolean;
  /** The decision a transport already took for this request (see predecide). */
  predecided?: Predecided | undefined;
}

/**
 * 2026-07-28: tasks/get, tasks/update and tasks/cancel from a request that did not declare the extension
 * are refused before anything is read. Not a policy decision about a task, but audited like every refusal
 * the guard makes on its own (a rate limit is too), so the log holds every request that was turned away.
 */
export function requireDeclared(core: GuardCore, principal: Principal, op: Operation, request: ExtensionRequest): void {
  if (!request.tasksDeclared) throw core.refuse(op, principal, 'tasks_not_declared', { kind: 'tasks_not_declared' });
}
