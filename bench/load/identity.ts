import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';

/**
 * The load run's identities: one ES256 key pair generated per run (as test/support/stack.ts does), real
 * signed access tokens, and 50 users spread over 5 tenants. Both server configurations verify the same
 * tokens with the same verifier, so bearer verification costs the same on both sides.
 */
export const ISSUER = 'https://issuer.taskguard.bench';
export const AUDIENCE = 'https://mcp.taskguard.bench/mcp';
const KID = 'bench-load-1';
const CLIENT_APP = 'reports-agent';
/** docs:convert is what convert_document requires in policies/data.yaml; reports:read is a bystander. */
const SCOPES = 'docs:convert reports:read';

export interface User {
  sub: string;
  tenant: string;
  token: string;
}

export interface RunIdentity {
  /** The verification key the servers trust, as a public JWK. */
  publicJwk: JWK;
  users: User[];
}

export async function createIdentity(userCount: number, tenantCount: number, tokenLifetimeS: number): Promise<RunIdentity> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid: KID, alg: 'ES256', use: 'sig' };
  const now = Math.floor(Date.now() / 1000);
  const users: User[] = [];
  for (let i = 0; i < userCount; i++) {
    const sub = `user-${String(i).padStart(3, '0')}`;
    const tenant = `tenant-${i % tenantCount}`;
    const token = await new SignJWT({ tenant, azp: CLIENT_APP, scope: SCOPES, roles: ['analyst'] })
      .setProtectedHeader({ alg: 'ES256', kid: KID, typ: 'at+jwt' })
      .setIssuer(ISSUER).setAudience(AUDIENCE).setSubject(sub)
      .setIssuedAt(now - 5).setExpirationTime(now + tokenLifetimeS)
      .sign(privateKey);
    users.push({ sub, tenant, token });
  }
  return { publicJwk, users };
}
