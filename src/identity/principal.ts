import { isRecord } from '../decision/parse.js';
import type { TaskOwner } from '../decision/types.js';

/** Who is calling, as established by a verified access token. The only source of the decision input's principal. */
export interface Principal {
  sub: string;
  tenant: string;
  clientId: string;
  scopes: readonly string[];
  roles: readonly string[];
  /** "" when the token carries no acr. */
  acr: string;
  /** 0 when the token carries no auth_time. */
  authTimeMs: number;
  /** RFC 8693 actor, when a service acts for the subject. */
  act?: { sub: string };
  issuer: string;
  /** The token's exp, in milliseconds. */
  expiresAtMs: number;
}

/** Where the verifier puts the Principal in AuthInfo.extra. */
export const PRINCIPAL_EXTRA_KEY = 'taskguardPrincipal';

/** The part of the MCP SDK's AuthInfo this module reads (structural, so identity needs no SDK import). */
export interface AuthInfoLike {
  clientId: string;
  extra?: Record<string, unknown> | undefined;
  token?: string;
  scopes?: string[];
}

/**
 * The one identity key of a caller: tenant, subject, client app and the RFC 8693 actor. Alice acting
 * directly and a service acting for Alice are different callers: they never share a session, a rate-limit
 * bucket or a tasks/list cursor.
 */
export function principalKey(p: Principal): string {
  return `${p.tenant}\0${p.sub}\0${p.clientId}\0${p.act?.sub ?? ''}`;
}

/** Who owns the tasks a principal creates: tenant, subject and client app (binding never includes the actor). */
export function ownerOf(p: Principal): TaskOwner {
  return { sub: p.sub, tenant: p.tenant, client_id: p.clientId };
}

/** The one key of a task owner, for indexes over owners. */
export function ownerKey(owner: TaskOwner): string {
  return `${owner.tenant}\0${owner.sub}\0${owner.client_id}`;
}

/**
 * The Principal that the token verifier attached to `authInfo`, or undefined when there is none or it is not
 * well formed. Callers treat undefined as unauthenticated (fail closed). The shape is checked again here
 * because AuthInfo travels through SDK and host code typed as `Record<string, unknown>`; a copy is returned
 * so later changes to the AuthInfo cannot change an identity already handed out.
 */
export function principalFromAuthInfo(authInfo: AuthInfoLike | undefined): Principal | undefined {
  const candidate = authInfo?.extra?.[PRINCIPAL_EXTRA_KEY];
  // One the verifier made (frozen, so no one has edited it since): nothing to check or copy again. The
  // host, a preflight and a handler all read the principal of one request; only the first pays.
  if (frozen.has(candidate as Principal)) return authInfo?.clientId === (candidate as Principal).clientId ? (candidate as Principal) : undefined;
  if (!isRecord(candidate)) return undefined;
  const { sub, tenant, clientId, scopes, roles, acr, authTimeMs, act, issuer, expiresAtMs } = candidate;
  if (!nonEmpty(sub) || !nonEmpty(tenant) || !nonEmpty(clientId) || !nonEmpty(issuer)) return undefined;
  if (!stringList(scopes) || !stringList(roles) || typeof acr !== 'string') return undefined;
  if (!timestamp(authTimeMs) || !timestamp(expiresAtMs) || expiresAtMs === 0) return undefined;
  if (act !== undefined && !(isRecord(act) && nonEmpty(act['sub']))) return undefined;
  // The SDK reads clientId from AuthInfo itself; two different answers mean something rewrote one of them.
  if (authInfo?.clientId !== clientId) return undefined;
  return freezePrincipal({
    sub, tenant, clientId, scopes, roles, acr, authTimeMs, issuer, expiresAtMs,
    ...(act === undefined ? {} : { act: { sub: (act as { sub: string }).sub } }),
  });
}

/** Principals freezePrincipal made: frozen deeply, so each is exactly as it was checked. */
const frozen = new WeakSet<Principal>();

/** A frozen copy, so a Principal shared by the token cache and many requests cannot be edited by any of them. */
export function freezePrincipal(p: Principal): Principal {
  const copy: Principal = Object.freeze({
    sub: p.sub,
    tenant: p.tenant,
    clientId: p.clientId,
    scopes: Object.freeze([...p.scopes]),
    roles: Object.freeze([...p.roles]),
    acr: p.acr,
    authTimeMs: p.authTimeMs,
    ...(p.act === undefined ? {} : { act: Object.freeze({ sub: p.act.sub }) }),
    issuer: p.issuer,
    expiresAtMs: p.expiresAtMs,
  });
  frozen.add(copy);
  return copy;
}

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

function stringList(value: unknown): value is readonly string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

function timestamp(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}
