import { readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { JWK } from 'jose';
import { stringify } from 'yaml';
import { freePort } from '../lib/free-port.js';
import { AUDIENCE, ISSUER } from '../load/identity.js';

/** Where the soak host keeps its state, and the config file `taskguard serve --config` would read. */
export interface SoakFiles {
  configFile: string;
  stateDir: string;
  auditFile: string;
}

/**
 * The config an operator would write: the reference host with its defaults (SQLite store, JSONL audit log
 * with fsync interval, demo tools, committed policy), a JWT identity trusting the run's key, and a session
 * idle timeout short enough that abandoned sessions are reclaimed within the run.
 */
export async function writeSoakConfig(dir: string, publicJwk: JWK, idleSeconds: number): Promise<SoakFiles> {
  const port = await freePort();
  const stateDir = path.join(dir, 'state');
  const configFile = path.join(dir, 'taskguard.yaml');
  writeFileSync(configFile, stringify({
    listen: { host: '127.0.0.1', port, public_url: AUDIENCE, allowed_hosts: [`127.0.0.1:${port}`] },
    state_dir: stateDir,
    identity: { mode: 'jwt', issuer: ISSUER, keys: [publicJwk], algorithms: ['ES256'] },
    sessions: { idle_timeout_ms: idleSeconds * 1000 },
  }));
  return { configFile, stateDir, auditFile: path.join(stateDir, 'audit.jsonl') };
}

/** Bytes of the audit log (every file of its name: the head sidecar, and rotated files once they exist) and of the task store. */
export function stateSizes(files: SoakFiles): { auditMb: number; storeMb: number } {
  const auditName = path.basename(files.auditFile);
  let audit = 0;
  let store = 0;
  for (const name of readdirSync(files.stateDir)) {
    // A file may go between the listing and the stat (SQLite's -shm, a replaced head sidecar).
    const size = statSync(path.join(files.stateDir, name), { throwIfNoEntry: false })?.size ?? 0;
    if (name.startsWith(auditName)) audit += size;
    else if (name.startsWith('tasks.db')) store += size;
  }
  return { auditMb: audit / 1_048_576, storeMb: store / 1_048_576 };
}
