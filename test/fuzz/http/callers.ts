import type { Who } from '../../support/stack.js';

/**
 * The callers the fuzz speaks as. None of them may touch alice's tasks: each differs from her in one of
 * tenant, sub or client app, or is her through an actor the policy does not trust, or is a supervisor of
 * another tenant. (A supervisor of her own tenant may cancel her tasks, so it is not among them.)
 */
export const ATTACKERS = {
  mallory: { sub: 'mallory', tenant: 'acme', client: 'reports-agent', acr: 'urn:example:mfa' },
  'alice@globex': { sub: 'alice', tenant: 'globex', client: 'reports-agent', acr: 'urn:example:mfa' },
  'alice/docs-console': { sub: 'alice', tenant: 'acme', client: 'docs-console', acr: 'urn:example:mfa' },
  'alice-via-evil-svc': { sub: 'alice', tenant: 'acme', client: 'reports-agent', act: { sub: 'evil-svc' } },
  'globex-supervisor': { sub: 'sue', tenant: 'globex', client: 'reports-agent', roles: ['task-supervisor'] },
  'no-scopes': { sub: 'nobody', tenant: 'acme', client: 'reports-agent', scope: '', roles: [] },
} as const satisfies Record<string, Omit<Who, 'expiresInS' | 'authTimeS'>>;
export type AttackerName = keyof typeof ATTACKERS;
export const ATTACKER_NAMES = Object.keys(ATTACKERS) as AttackerName[];

/** Bearer credentials that must not authenticate anyone. */
export const BAD_CREDENTIALS = ['none', 'empty', 'garbage', 'expired', 'forged-signature', 'alg-none', 'owner-truncated', 'basic'] as const;
export type BadCredential = (typeof BAD_CREDENTIALS)[number];

/** Alice's tasks, each in a different state, and what she must still see of them after the run. */
export const OWNER_TASKS = ['export-completed', 'convert-working', 'convert-completed', 'approve-input', 'export-cancelled'] as const;
export type OwnerTask = (typeof OWNER_TASKS)[number];
