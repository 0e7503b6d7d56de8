import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { OAuthTokenVerifier } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import type { HostConfig } from '../config/host-config.js';
import { TaskguardError, describeError } from '../errors.js';
import { createTokenVerifier, validateIdentityConfig } from '../identity/index.js';

/**
 * DEV ONLY. Lets people try taskguard without an identity provider: a signing key generated into the state
 * folder on first use (mode 0600, never committed: .taskguard/ is git-ignored), tokens minted by
 * `taskguard token`, and a verifier that trusts only that key. Off whenever identity.mode is jwt.
 */
export const DEV_ISSUER = 'urn:taskguard:dev-only';
const KEY_FILE = 'dev-signing-key.json';
const KID = 'taskguard-dev';

interface DevKeys {
  privateJwk: JWK;
  publicJwk: JWK;
}

/** Where the dev signing key of a state folder is; the host creates it there on first start. */
export function devKeyFile(stateDir: string): string {
  return path.join(stateDir, KEY_FILE);
}

async function devKeys(stateDir: string): Promise<DevKeys> {
  const file = devKeyFile(stateDir);
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  let privateJwk: JWK;
  try {
    privateJwk = JSON.parse(readFileSync(file, 'utf8')) as JWK;
  } catch {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    privateJwk = { ...(await exportJWK(privateKey)), kid: KID, alg: 'ES256' };
    try {
      // wx: never overwrite a key another process created meanwhile; read theirs instead.
      writeFileSync(file, JSON.stringify(privateJwk), { mode: 0o600, flag: 'wx' });
    } catch {
      privateJwk = JSON.parse(readFileSync(file, 'utf8')) as JWK;
    }
  }
  const { d: _d, ...publicJwk } = privateJwk;
  return { privateJwk, publicJwk: { ...publicJwk, use: 'sig' } };
}

export async function devVerifier(config: HostConfig): Promise<OAuthTokenVerifier> {
  const { publicJwk } = await devKeys(config.stateDir);
  return createTokenVerifier(validateIdentityConfig({ issuer: DEV_ISSUER, audience: config.listen.publicUrl, keys: [publicJwk], algorithms: ['ES256'] }, 'dev identity'));
}

export interface DevTokenRequest {
  sub: string;
  tenant: string;
  client: string;
  scopes: string[];
  roles: string[];
  acr?: string;
  /** Seconds since the user authenticated (auth_time = now - authAgeS). */
  authAgeS?: number;
  act?: string;
  ttlS: number;
}

export async function mintDevToken(config: HostConfig, request: DevTokenRequest): Promise<string> {
  if (config.identity.mode !== 'dev') {
    throw new TaskguardError('usage', `dev tokens are off: ${config.source} configures a real issuer (identity.mode: jwt)`);
  }
  const { privateJwk } = await devKeys(config.stateDir);
  let key;
  try {
    key = await importJWK(privateJwk, 'ES256');
  } catch (err) {
    throw new TaskguardError('config_invalid', `the dev key in ${config.stateDir} is unreadable (${describeError(err)}); delete it to start over`);
  }
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    tenant: request.tenant,
    azp: request.client,
    scope: request.scopes.join(' '),
    roles: request.roles,
    ...(request.acr ? { acr: request.acr, auth_time: now - (request.authAgeS ?? 0) } : {}),
    ...(request.act ? { act: { sub: request.act } } : {}),
  })
    .setProtectedHeader({ alg: 'ES256', kid: KID, typ: 'at+jwt' })
    .setIssuer(DEV_ISSUER).setAudience(config.listen.publicUrl).setSubject(request.sub)
    .setIssuedAt(now).setExpirationTime(now + request.ttlS)
    .sign(key);
}
