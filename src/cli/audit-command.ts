import { parseArgs } from 'node:util';
import { verifyAuditLog, type AuditVerifyOptions } from '../audit/verify.js';
import { TaskguardError } from '../errors.js';
import type { CliIo } from './io.js';

export const auditUsage = 'taskguard audit verify FILE [--head sidecar|none|SEQ:HASH]';

/**
 * `audit verify`: checks a log's hash chain and, by default, its end against the `<file>.head` sidecar.
 * Prints one line, `ok: ...` (exit 0) or `FAIL line L (seq S): KIND: detail` (exit 1).
 */
export async function auditCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { head: { type: 'string' } }, allowPositionals: true, strict: true });
  const [sub, file, ...extra] = positionals;
  if (sub !== 'verify') throw new TaskguardError('usage', sub === undefined ? `a subcommand is required: ${auditUsage}` : `unknown audit subcommand ${sub}: ${auditUsage}`);
  if (file === undefined || extra.length > 0) throw new TaskguardError('usage', `exactly one FILE is required: ${auditUsage}`);
  const head = parseHead(values.head ?? 'sidecar');
  const result = await verifyAuditLog(file, { head });
  const p = result.problem;
  if (p) {
    io.out(`FAIL line ${p.line}${p.seq === undefined ? '' : ` (seq ${p.seq})`}: ${p.kind}: ${p.detail}`);
    return 1;
  }
  if (head === 'sidecar' && !result.headChecked) io.err('note: no head file, so records cut from the end would not show');
  io.out(`ok: ${result.records} records, last seq ${result.lastSeq}, last hash ${result.lastHash}`);
  return 0;
}

function parseHead(value: string): NonNullable<AuditVerifyOptions['head']> {
  if (value === 'sidecar' || value === 'none') return value;
  const m = /^(\d+):([0-9a-f]{64})$/.exec(value);
  if (!m) throw new TaskguardError('usage', `--head must be sidecar, none or SEQ:HASH: ${auditUsage}`);
  return { seq: Number(m[1]), hash: m[2] as string };
}
