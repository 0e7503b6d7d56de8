import type { Operation, PrincipalInput, TaskRecordInput, TaskStatus } from '../../src/decision/types.js';
import type { Rng } from '../lib/rng.js';
import type { PolicyData, ToolData } from './policy-data.js';

/**
 * The people, apps and tasks the decision mix is made of: a few users in three tenants, supervisors in two,
 * the client apps and scopes the tools in data.yaml name. Everything random comes from the seeded Rng.
 */
export interface User {
  sub: string;
  tenant: string;
}

export const USERS: readonly User[] = [
  { sub: 'alice', tenant: 'acme' },
  { sub: 'bob', tenant: 'acme' },
  { sub: 'erin', tenant: 'acme' },
  { sub: 'carol', tenant: 'globex' },
  { sub: 'dan', tenant: 'globex' },
  { sub: 'frank', tenant: 'initech' },
];

export const SUPERVISORS: readonly User[] = [
  { sub: 'sam', tenant: 'acme' },
  { sub: 'sue', tenant: 'globex' },
];

/** How the principal authenticated, relative to the step-up rules in data. */
export type Auth = 'mfa-fresh' | 'mfa-stale' | 'password' | 'mixed';

const RISK_RANK: Readonly<Record<string, number>> = { low: 1, medium: 2, high: 3 };
const DEFAULT_TTL_MS = 600_000;

export interface PrincipalSpec {
  user: User;
  client?: string;
  roles?: readonly string[];
  scopes?: readonly string[];
  auth?: Auth;
  actor?: string;
}

export class World {
  readonly scopes: readonly string[];
  readonly clients: readonly string[];
  readonly plainRole: string;
  readonly supervisorRole: string | undefined;
  readonly supervisorOps: readonly string[];
  readonly mfaAcr: string;
  /** Authentication younger than every step-up max_age, and older than every one. */
  private readonly freshestMaxAgeMs: number;
  private readonly stalestMaxAgeMs: number;
  now = 0;

  constructor(
    readonly rng: Rng,
    readonly data: PolicyData,
  ) {
    this.scopes = unique(data.tools.flatMap((t) => t.required_scopes));
    this.clients = unique(['reports-agent', ...data.tools.flatMap((t) => t.allowed_clients)]);
    const supervisor = [...data.supervisors.entries()][0];
    this.supervisorRole = supervisor?.[0];
    this.supervisorOps = supervisor?.[1] ?? [];
    this.plainRole = data.tools.flatMap((t) => t.allowed_roles).find((r) => !data.supervisors.has(r)) ?? 'analyst';
    const rules = data.tools.flatMap((t) => Object.values(t.step_up));
    this.mfaAcr = rules.flatMap((r) => r.acr_values)[0] ?? 'urn:example:mfa';
    const ages = rules.map((r) => (r.max_age_s ?? 300) * 1000);
    this.freshestMaxAgeMs = Math.min(300_000, ...ages);
    this.stalestMaxAgeMs = Math.max(300_000, ...ages);
  }

  tools(filter: (t: ToolData) => boolean = () => true): ToolData[] {
    return this.data.tools.filter(filter);
  }

  /** A tool matching `filter`, or undefined when data has none (the scenario then falls back). */
  pickTool(filter: (t: ToolData) => boolean): ToolData | undefined {
    const found = this.tools(filter);
    return found.length > 0 ? this.rng.pick(found) : undefined;
  }

  user(): User {
    return this.rng.pick(USERS);
  }

  /** Another user of the same tenant, when there is one. */
  colleagueOf(user: User): User | undefined {
    const others = USERS.filter((u) => u.tenant === user.tenant && u.sub !== user.sub);
    return others.length > 0 ? this.rng.pick(others) : undefined;
  }

  foreignerOf(user: User): User {
    return this.rng.pick(USERS.filter((u) => u.tenant !== user.tenant));
  }

  principal(spec: PrincipalSpec): PrincipalInput {
    const [acr, authTime] = this.authFacts(spec.auth ?? 'mixed');
    const p: PrincipalInput = {
      sub: spec.user.sub,
      tenant: spec.user.tenant,
      client_id: spec.client ?? this.rng.pick(this.clients),
      scopes: spec.scopes ?? this.scopes,
      roles: spec.roles ?? [this.plainRole],
      acr,
      auth_time_ms: authTime,
    };
    if (spec.actor !== undefined) p.act = { sub: spec.actor };
    return p;
  }

  /** A principal that meets the tool's static demands (scopes, roles, client) and its step-up for `op`. */
  principalFor(tool: ToolData, op: Operation, user: User = this.user()): PrincipalInput {
    const roles = tool.allowed_roles.length === 0 || tool.allowed_roles.includes(this.plainRole) ? [this.plainRole] : [this.rng.pick(tool.allowed_roles)];
    const client = tool.allowed_clients.length > 0 ? this.rng.pick(tool.allowed_clients) : this.rng.pick(this.clients);
    return this.principal({ user, client, roles, auth: tool.step_up[op] ? 'mfa-fresh' : 'mixed' });
  }

  supervisor(user: User = this.rng.pick(SUPERVISORS)): PrincipalInput {
    const roles = this.supervisorRole === undefined ? [] : [this.supervisorRole];
    return this.principal({ user, client: this.rng.pick(this.clients), roles, auth: 'mixed' });
  }

  task(owner: PrincipalInput, tool: ToolData, status: TaskStatus, opts: { expired?: boolean; resultsRead?: number } = {}): TaskRecordInput {
    const ttl = tool.max_ttl_ms ?? DEFAULT_TTL_MS;
    const expires = opts.expired ? this.now - this.rng.int(1, 3_600_000) : this.now + this.rng.int(1_000, Math.floor(ttl * 0.9));
    return {
      id: `task-${this.rng.hex(24)}`,
      status,
      tool: tool.name,
      owner: { sub: owner.sub, tenant: owner.tenant, client_id: owner.client_id },
      scopes: owner.scopes,
      created_ms: expires - ttl,
      expires_ms: expires,
      results_read: opts.resultsRead ?? 0,
    };
  }

  status(): TaskStatus {
    return this.rng.weighted<TaskStatus>([[50, 'working'], [5, 'input_required'], [35, 'completed'], [5, 'failed'], [5, 'cancelled']]);
  }

  private authFacts(auth: Auth): [acr: string, authTimeMs: number] {
    const kind = auth === 'mixed' ? (this.rng.chance(0.6) ? 'mfa-fresh' : 'password') : auth;
    switch (kind) {
      case 'mfa-fresh':
        return [this.mfaAcr, this.now - this.rng.int(1_000, Math.floor(this.freshestMaxAgeMs * 0.9))];
      case 'mfa-stale':
        return [this.mfaAcr, this.now - this.stalestMaxAgeMs - this.rng.int(60_000, 3_600_000)];
      case 'password':
        return [this.rng.chance(0.5) ? '' : 'urn:example:pwd', this.rng.chance(0.5) ? 0 : this.now - this.rng.int(1_000, 3_600_000)];
    }
  }
}

export function riskRank(tool: ToolData): number {
  return RISK_RANK[tool.risk] ?? 3;
}

export function withoutOneOf(scopes: readonly string[], drop: readonly string[], rng: Rng): string[] {
  const gone = rng.pick(drop);
  return scopes.filter((s) => s !== gone);
}

function unique(items: readonly string[]): string[] {
  return [...new Set(items)].sort();
}
