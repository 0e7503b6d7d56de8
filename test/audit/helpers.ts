import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { openAuditLog, type OpenAuditLogOptions } from '../../src/audit/open.js';
import type { AuditEntry, AuditRecord } from '../../src/audit/record.js';

export const REVISION = 'a'.repeat(64);
export const alice = { tenant: 'acme', sub: 'alice', client_id: 'reports-agent' };

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A path for a log in a fresh temp folder, removed when the test file ends. */
export function tempLogFile(name = 'audit.jsonl'): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'taskguard-audit-'));
  dirs.push(dir);
  return path.join(dir, name);
}

export function decision(i: number, extra: Partial<AuditEntry> = {}): AuditEntry {
  return {
    kind: 'decision', op: 'get', principal: alice, task_id: `t-${i}`, tool: 'export_data',
    allow: i % 3 !== 0, reasons: i % 3 === 0 ? ['owner_mismatch'] : [], delegated: false, policy_revision: REVISION, ...extra,
  };
}

export function lifecycle(i: number, extra: Partial<AuditEntry> = {}): AuditEntry {
  return { kind: 'lifecycle', event: 'status', op: 'create', task_id: `t-${i}`, tool: 'export_data', status: 'working', principal: alice, policy_revision: REVISION, ...extra };
}

/** Writes a log of `count` records (decisions and lifecycle transitions, alternating) and closes it. */
export async function writeLog(count: number, options: Partial<OpenAuditLogOptions> = {}): Promise<string> {
  const file = options.file ?? tempLogFile();
  const log = await openAuditLog({ fsync: 'never', ...options, file });
  for (let i = 1; i <= count; i++) log.append(i % 2 === 0 ? lifecycle(i) : decision(i));
  await log.close();
  return file;
}

export function readLines(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return text.split('\n').slice(0, -1);
}

export function writeLines(file: string, lines: string[]): void {
  writeFileSync(file, lines.map((l) => `${l}\n`).join(''));
}

/** A clock tests move by hand: `now()` reads it, `advance(ms)` moves it. */
export function manualClock(startMs = Date.UTC(2026, 11, 1, 8, 0, 0)): { now: () => number; advance: (ms: number) => void } {
  let t = startMs;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

/** The folder's file names, sorted: what rotation and retention left there. */
export function namesIn(file: string): string[] {
  return readdirSync(path.dirname(file)).sort();
}

/** The rotated files beside `file`, oldest first, by full path. */
export function rotatedBeside(file: string): string[] {
  const stem = path.basename(file, '.jsonl');
  return namesIn(file).filter((n) => n.startsWith(`${stem}.`) && /^\S+\.\d{16}\..+Z\.jsonl$/.test(n)).map((n) => path.join(path.dirname(file), n));
}

/** A rotated series holding seq 1 to `count`, about four records a file (rotated at 2200 bytes), closed. */
export async function writeSeries(count: number): Promise<{ file: string; rotated: string[]; records: AuditRecord[] }> {
  const file = tempLogFile();
  const log = await openAuditLog({ file, fsync: 'never', rotate: { maxBytes: 2200 } });
  const records: AuditRecord[] = [];
  for (let i = 1; i <= count; i++) records.push(log.append(i % 2 === 0 ? lifecycle(i) : decision(i)));
  await log.close();
  return { file, rotated: rotatedBeside(file), records };
}
