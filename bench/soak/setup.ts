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
 * with fsync interval, demo tools, committed policy), a JWT identity trusting the run's key, a session
 * idle timeout short enough that abandoned sessions are reclaimed within the run, and audit rotation with
 * retention.
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
    // What an operator of a months-long host sets: files of 8 MiB, the newest 4 kept. The log is then
    // bounded, and the run exercises rotation and retention under load (verified as a series at the end).
    audit: { rotate: { max_bytes: 8 * 1_048_576 }, retain: { max_files: 4 } },
  }));
  return { configFile, stateDir, auditFile: path.join(stateDir, 'audit.jsonl') };
}

/**
 * Bytes of the audit log (the live file, its head and checkpoint sidecars, and the rotated files of its
 * series) and of the task store.
 */
export function stateSizes(files: SoakFiles): { auditMb: number; storeMb: number } {
  const live = path.basename(files.auditFile);
  const stem = live.replace(/\.jsonl$/, '');
  const ofTheLog = (name: string): boolean => name.startsWith(live) || (name.startsWith(`${stem}.`) && name.endsWith('.jsonl'));
  let audit = 0;
  let store = 0;
  for (const name of readdirSync(files.stateDir)) {
    // A file may go between the listing and the stat (SQLite's -shm, a replaced head sidecar).
    const size = statSync(path.join(files.stateDir, name), { throwIfNoEntry: false })?.size ?? 0;
    if (ofTheLog(name)) audit += size;
    else if (name.startsWith('tasks.db')) store += size;
  }
  return { auditMb: audit / 1_048_576, storeMb: store / 1_048_576 };
}
