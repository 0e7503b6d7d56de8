import { isRecord } from '../../../src/decision/parse.js';
import type { SessionRef } from './cases.js';
import { ATTACKER_NAMES, type AttackerName } from './callers.js';
import type { CursorRef, TaskRef } from './params.js';
import type { World } from './world.js';

/** Well-formed names for things that do not exist: a task id, a session id, a cursor. */
export const NO_SUCH_TASK = '00000000-0000-4000-8000-000000000000';
export const NO_SUCH_SESSION = '11111111-1111-4111-8111-111111111111';
export const NO_SUCH_CURSOR = 'eyJjIjoxLCJpIjoieCJ9.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

/** Replaces the markers in a generated value with what they name in this world, for this caller. */
export function resolveMarkers(value: unknown, who: AttackerName, world: World): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveMarkers(v, who, world));
  if (!isRecord(value)) return value;
  if (value['$fuzz'] === 'task') return taskId(value['ref'] as TaskRef, who, world);
  if (value['$fuzz'] === 'cursor') return cursor(value['ref'] as CursorRef, who, world);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveMarkers(v, who, world)]));
}

function taskId(ref: TaskRef, who: AttackerName, world: World): string {
  const own = world.ledger.tasksOf(who);
  const ownerExport = world.owner.tasks['export-completed'];
  switch (ref) {
    case 'own-latest': return own.at(-1) ?? NO_SUCH_TASK;
    case 'own-first': return own[0] ?? NO_SUCH_TASK;
    case 'random-uuid': return NO_SUCH_TASK;
    case 'owner-uppercase': return ownerExport.toUpperCase();
    case 'owner-truncated': return ownerExport.slice(0, -1);
    case 'owner-padded': return ` ${ownerExport} `;
    case 'owner-braced': return `{${ownerExport}}`;
    default: return world.owner.tasks[ref.slice('owner:'.length) as keyof World['owner']['tasks']];
  }
}

function cursor(ref: CursorRef, who: AttackerName, world: World): string {
  const owner = world.owner.cursor;
  const middle = Math.floor(owner.length / 2);
  switch (ref) {
    case 'own': return world.attackers[who].cursor ?? owner;
    case 'owner': return owner;
    case 'owner-truncated': return owner.slice(0, -3);
    case 'owner-flipped': return `${owner.slice(0, middle)}${owner[middle] === 'A' ? 'B' : 'A'}${owner.slice(middle + 1)}`;
    case 'owner-extra-part': return `${owner}.x`;
    case 'random': return NO_SUCH_CURSOR;
  }
}

export function sessionHeader(ref: SessionRef, who: AttackerName, world: World): string | undefined {
  switch (ref) {
    case 'own': return world.attackers[who].session;
    case 'owner': return world.owner.session;
    case 'other-attacker': return world.attackers[ATTACKER_NAMES[(ATTACKER_NAMES.indexOf(who) + 1) % ATTACKER_NAMES.length] as AttackerName].session;
    case 'random-uuid': return NO_SUCH_SESSION;
    case 'garbage': return 'garbage;<>"';
    case 'none': return undefined;
    case 'empty': return '';
  }
}
