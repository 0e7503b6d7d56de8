import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { checkpointFileOf } from '../audit/checkpoint.js';
import { parseRotatedPath } from '../audit/series.js';
import { isSeries, verifyAuditSeries } from '../audit/series-verify.js';
import { describeProblem } from '../audit/chain-scan.js';
import { displayChainName, isChainName, MAX_CHAIN_NAME } from '../audit/chain-name.js';
import type { AuditTable } from '../audit/db-table.js';
import { verifyAuditChain } from '../audit/db-verify.js';
import { openPostgresAuditTable } from '../audit/postgres-table.js';
import { openSqliteAuditTable } from '../audit/sqlite-table.js';
import { verifyAuditLog, type AuditVerifyOptions } from '../audit/verify.js';
import { loadHostConfig } from '../config/host-config.js';
import { TaskguardError, describeError } from '../errors.js';
import { postgresUrl } from '../host/open-store.js';
import { CONFIG_ENV, chosenConfigFile, configOption, configOptionHelp, type ChosenConfigFile } from './config-option.js';
import type { CommandHelp } from './help.js';
import type { CliIo } from './io.js';

// The file form stays last: `taskguard --help` puts the command's summary right after it.
export const auditUsage = [
  'taskguard audit verify [--config FILE] [--chain NAME | --head HEAD]',
  '  taskguard audit verify (--sqlite DBFILE | --postgres [--schema NAME]) [--chain NAME]',
  '  taskguard audit verify FILE|DIR [--head sidecar|none|SEQ:HASH]',
].join('\n');

/** Where --postgres finds its connection string: an environment variable, never an argument ps can show. */
export const DATABASE_URL_ENV = 'TASKGUARD_DATABASE_URL';

export const auditHelp: CommandHelp = {
  usage: auditUsage,
  summary: 'verify an audit log\'s hash chain and head',
  options: [
    configOptionHelp('the audit log this host config writes: its file, or its chain in the store\'s database', ''),
    ['FILE|DIR', 'a JSONL audit log; with rotated files or a checkpoint beside it (or given their folder), the whole series'],
    ['--head sidecar|none|SEQ:HASH', 'for a file: what its end is checked against (default sidecar: FILE.head)'],
    ['--sqlite DBFILE', 'the audit chains in this SQLite file'],
    ['--postgres', `the audit chains in PostgreSQL (connection string from $${DATABASE_URL_ENV})`],
    ['--schema NAME', 'with --postgres: the schema (default public)'],
    ['--chain NAME', 'with a database: only this chain (default: every chain; a config\'s own chain)'],
  ],
};

const options = {
  head: { type: 'string' },
  sqlite: { type: 'string' },
  postgres: { type: 'boolean' },
  schema: { type: 'string' },
  chain: { type: 'string' },
  ...configOption,
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true; strict: true }>>['values'];

const HEAD_IS_FOR_FILES = '--head is for a log file: a database chain is checked against its head row';

/**
 * `audit verify`: checks a log's hash chain and its end against its head. For a FILE, the head is the
 * `<file>.head` sidecar by default, and the command prints one line, `ok: ...` (exit 0) or
 * `FAIL line L (seq S): KIND: detail` (exit 1). A live file with rotated files or a checkpoint beside it,
 * or a DIR holding one log, is checked as a whole series (see verifySeries); a rotated file named on its
 * own is checked alone. For a database, each chain (or the one named) is checked
 * against its head row and gets a line, `ok chain NAME: ...` or `FAIL chain NAME pos P (seq S): ...`; any
 * FAIL exits 1. Given none of FILE, --sqlite and --postgres, it checks the log a host config writes: the
 * one --config names, else TASKGUARD_CONFIG's.
 */
export async function auditCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
  const [sub, ...files] = positionals;
  if (sub !== 'verify') throw usage(sub === undefined ? 'a subcommand is required' : `unknown audit subcommand ${sub}`);
  const named = files.length > 0 || values.sqlite !== undefined || values.postgres === true;
  if (named && values.config !== undefined) throw usage('--config names the log itself: it cannot go with FILE, --sqlite or --postgres');
  const chosen = named ? undefined : chosenConfigFile(values.config);
  if (chosen !== undefined) return verifyConfigured(chosen, values, io);
  if (values.sqlite !== undefined || values.postgres === true) {
    if (files.length > 0) throw usage('a FILE cannot go with --sqlite or --postgres');
    if (values.head !== undefined) throw usage(HEAD_IS_FOR_FILES);
    return verifyDatabase(await openTable(values), values.chain, io);
  }
  if (values.chain !== undefined || values.schema !== undefined) throw usage('--chain and --schema go with --sqlite or --postgres');
  const [file, ...extra] = files;
  if (file === undefined) throw usage(`name the log: a FILE, --sqlite, --postgres or a host config (--config FILE or ${CONFIG_ENV})`);
  if (extra.length > 0) throw usage('exactly one FILE or DIR is required');
  return verifyFileOrSeries(file, parseHead(values.head ?? 'sidecar'), io);
}

/** The log the chosen host config writes: its audit file, or this host's chain in the store's database. */
async function verifyConfigured(chosen: ChosenConfigFile, values: Values, io: CliIo): Promise<number> {
  if (values.schema !== undefined) throw usage('--schema comes from the config when verifying a config\'s log');
  const { audit, store } = loadHostConfig(chosen.file);
  if (audit.kind === 'file') {
    if (values.chain !== undefined) throw usage(`--chain is for a database, and ${chosen.described} writes the audit file ${audit.file}`);
    io.err(`${chosen.described}: audit log ${audit.file}`);
    return verifyFileOrSeries(audit.file, parseHead(values.head ?? 'sidecar'), io);
  }
  if (values.head !== undefined) throw usage(HEAD_IS_FOR_FILES);
  const chain = checkedChain(values.chain) ?? audit.chain;
  // config validation allows audit.kind database only over a sqlite or postgres store.
  const table = store.kind === 'postgres'
    ? await openPostgres(postgresUrl(store), store.schema)
    : await openSqlite(store.kind === 'sqlite' ? store.file : '');
  io.err(`${chosen.described}: audit chain ${displayChainName(chain)} in ${table.where}`);
  return verifyDatabase(table, chain, io);
}

/** One file, or the whole series when `target` is (or holds) a rotated log. */
async function verifyFileOrSeries(target: string, head: NonNullable<AuditVerifyOptions['head']>, io: CliIo): Promise<number> {
  const live = await seriesToVerify(target);
  return live === undefined ? verifyFile(target, head, io) : verifySeries(live, head, io);
}

async function verifyFile(file: string, head: NonNullable<AuditVerifyOptions['head']>, io: CliIo): Promise<number> {
  const result = await verifyAuditLog(file, { head });
  const rotated = parseRotatedPath(file);
  if (rotated) io.err(`note: ${path.basename(file)} is a rotated file, checked alone; verify ${path.basename(rotated.live)} or its folder to check the whole series`);
  if (result.problem) {
    io.out(`FAIL ${describeProblem(result.problem)}`);
    return 1;
  }
  // A rotated file's end is checked by the next file's first record, which the series check compares.
  if (head === 'sidecar' && !result.headChecked && !rotated) io.err('note: no head file, so records cut from the end would not show');
  io.out(`ok: ${result.records} records, last seq ${result.lastSeq}, last hash ${result.lastHash}`);
  return 0;
}

/**
 * The live file whose whole series `target` asks for: a folder holding one series, or a live file with
 * rotated files or a checkpoint beside it. Undefined: one file, checked alone (a log never rotated, or a
 * rotated file named on purpose).
 */
async function seriesToVerify(target: string): Promise<string | undefined> {
  let isDir: boolean;
  try {
    isDir = (await stat(target)).isDirectory();
  } catch {
    return undefined; // verifyAuditLog says why it cannot be read
  }
  if (!isDir) return parseRotatedPath(target) === undefined && (await isSeries(target)) ? target : undefined;
  const logs = await logsIn(target);
  if (logs.length === 1) return logs[0];
  if (logs.length === 0) throw new TaskguardError('audit_invalid', `no audit log in ${target}: no head file and no rotated files`);
  throw new TaskguardError('audit_invalid', `${target} holds ${logs.length} audit logs (${logs.map((l) => path.basename(l)).join(', ')}): name the live file of one`);
}

/** Live files in `dir`: those with a head file or with rotated files. */
async function logsIn(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    throw new TaskguardError('audit_io', `cannot read folder ${dir}: ${describeError(err)}`, { cause: err });
  }
  const logs = new Set<string>();
  for (const name of names) {
    const full = path.join(dir, name);
    if (name.endsWith('.head')) logs.add(full.slice(0, -'.head'.length));
    const rotated = parseRotatedPath(full);
    if (rotated) logs.add(rotated.live);
  }
  return [...logs].sort();
}

/**
 * A series: one line per file, `ok NAME: N records, seq A to B`, then `ok: F files, N records, last seq S,
 * last hash H`; or, at the first problem, `FAIL NAME line L (seq S): KIND: detail`, exit 1.
 */
async function verifySeries(live: string, head: NonNullable<AuditVerifyOptions['head']>, io: CliIo): Promise<number> {
  const result = await verifyAuditSeries(live, { head });
  if (result.checkpoint) io.out(`pruned: the records before seq ${result.checkpoint.seq} were deleted by retention (${path.basename(checkpointFileOf(live))})`);
  for (const name of result.leftovers) io.err(`note: ${name} lies before the checkpoint, left by an interrupted retention pass: not checked`);
  for (const f of result.files) io.out(`ok ${f.name}: ${f.records} records${f.records > 0 ? `, seq ${f.firstSeq} to ${f.lastSeq}` : ''}`);
  if (result.problem) {
    io.out(`FAIL ${result.problemFile ?? path.basename(live)} ${describeProblem(result.problem)}`);
    return 1;
  }
  if (head === 'sidecar' && !result.headChecked) io.err('note: no head file, so records cut from the end would not show');
  io.out(`ok: ${result.files.length} files, ${result.records} records, last seq ${result.lastSeq}, last hash ${result.lastHash}`);
  return 0;
}

async function openTable(values: Values): Promise<Named> {
  checkedChain(values.chain);
  if (values.sqlite !== undefined) {
    if (values.postgres === true) throw usage('--sqlite and --postgres exclude each other');
    if (values.schema !== undefined) throw usage('--schema goes with --postgres');
    return openSqlite(values.sqlite);
  }
  const connectionString = process.env[DATABASE_URL_ENV];
  if (connectionString === undefined || connectionString === '') throw usage(`--postgres reads its connection string from ${DATABASE_URL_ENV}, which is not set`);
  return openPostgres(connectionString, values.schema);
}

async function openSqlite(file: string): Promise<Named> {
  return { table: await openSqliteAuditTable(file, { readonly: true }), where: `audit database ${file}` };
}

async function openPostgres(connectionString: string, schema: string | undefined): Promise<Named> {
  const where = schema === undefined ? 'the postgres audit tables' : `postgres schema ${schema}`;
  return { table: await openPostgresAuditTable({ connectionString, schema, readonly: true }), where };
}

function checkedChain(chain: string | undefined): string | undefined {
  if (chain !== undefined && !isChainName(chain)) throw usage(`--chain must be 1 to ${MAX_CHAIN_NAME} printable ascii characters`);
  return chain;
}

interface Named {
  table: AuditTable;
  /** How messages name the database: never the connection string. */
  where: string;
}

async function verifyDatabase({ table, where }: Named, chain: string | undefined, io: CliIo): Promise<number> {
  try {
    const all = await table.chains();
    if (chain !== undefined && !all.includes(chain)) throw new TaskguardError('audit_invalid', `no audit chain ${chain} in ${where}`);
    if (all.length === 0) throw new TaskguardError('audit_invalid', `no audit chains in ${where}`);
    let failed = 0;
    for (const name of chain === undefined ? all : [chain]) {
      const result = await verifyAuditChain(table, name);
      const shown = displayChainName(name);
      if (result.problem) {
        failed += 1;
        io.out(`FAIL chain ${shown} ${describeProblem(result.problem, 'pos')}`);
      } else {
        // A chain that verifies from seq 1 has as many records as its last seq; any fewer were pruned.
        const pruned = result.lastSeq - result.records;
        io.out(`ok chain ${shown}: ${result.records} records, last seq ${result.lastSeq}, last hash ${result.lastHash}${pruned > 0 ? `, pruned through seq ${pruned}` : ''}`);
      }
    }
    return failed > 0 ? 1 : 0;
  } finally {
    await table.close();
  }
}

function parseHead(value: string): NonNullable<AuditVerifyOptions['head']> {
  if (value === 'sidecar' || value === 'none') return value;
  const m = /^(\d+):([0-9a-f]{64})$/.exec(value);
  if (!m) throw usage('--head must be sidecar, none or SEQ:HASH');
  return { seq: Number(m[1]), hash: m[2] as string };
}

function usage(problem: string): TaskguardError {
  // Errors are one line: the two forms are joined with '; ' rather than left to run together.
  return new TaskguardError('usage', `${problem}: ${auditUsage.split('\n').map((l) => l.trim()).join('; ')}`);
}
