import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// The package as an embedder gets it: `npm pack` (its `prepare` builds dist/), the tarball installed into a
// temporary project, every entry imported there in a fresh node process, the CLI run from there.

const repo = fileURLToPath(new URL('../..', import.meta.url));
const here = fileURLToPath(new URL('.', import.meta.url));

/** Database drivers: an entry loads one only when it is that driver's store or audit table. */
const DRIVERS = ['pg', 'better-sqlite3'] as const;

/**
 * Per entry: one export it exists for, and the drivers importing it loads (none unless listed). Exact, not "at
 * most": the entries that do load a driver show that the probe sees it.
 */
const ENTRIES: Record<string, { exports: string; drivers?: readonly string[] }> = {
  'taskguard': { exports: 'createTaskguard' },
  'taskguard/stores/memory': { exports: 'MemoryTaskStore' },
  'taskguard/stores/sqlite': { exports: 'SqliteTaskStore', drivers: ['better-sqlite3'] },
  'taskguard/stores/postgres': { exports: 'PostgresTaskStore', drivers: ['pg'] },
  'taskguard/audit/database': { exports: 'openDbAuditLog' },
  'taskguard/audit/sqlite': { exports: 'openSqliteAuditTable', drivers: ['better-sqlite3'] },
  'taskguard/audit/postgres': { exports: 'openPostgresAuditTable' },
  'taskguard/http': { exports: 'createHttpHost' },
  'taskguard/v2': { exports: 'createTasksExtension' },
  'taskguard/operations': { exports: 'TaskguardMetrics' },
};

/** What the tarball may hold besides package.json, README and licence files. */
const PACKED_FOLDERS = ['bin/', 'dist/', 'policies/', 'fixtures/', 'config/'];

interface Run { code: number | null; stdout: string; stderr: string }

function run(command: string, args: readonly string[], cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function mustSucceed(what: string, result: Run): Run {
  assert.equal(result.code, 0, `${what} failed:\n${result.stdout}\n${result.stderr}`);
  return result;
}

/** The package a module belongs to, from its URL or path (the last node_modules/ segment), else undefined. */
function packageOf(loaded: string): string | undefined {
  const file = loaded.startsWith('file:') ? fileURLToPath(loaded) : loaded;
  const parts = file.split(path.sep);
  const at = parts.lastIndexOf('node_modules');
  if (at < 0) return undefined;
  const name = parts[at + 1];
  return name?.startsWith('@') ? `${name}/${parts[at + 2]}` : name;
}

interface Probe { exports: string[]; packages: string[] }
const probes = new Map<string, Promise<Probe>>();

/** Imports `entry` in a fresh node process inside the project (once per entry): its exports, the packages it loaded. */
function probe(entry: string): Promise<Probe> {
  let result = probes.get(entry);
  if (!result) {
    result = (async () => {
      const log = path.join(work, `${entry.replaceAll('/', '_')}.loaded`);
      const ran = mustSucceed(`importing ${entry}`, await run(process.execPath, ['load-probe.mjs', entry, log], project));
      const { exports, loaded } = JSON.parse(ran.stdout) as { exports: string[]; loaded: string[] };
      const packages = new Set(loaded.map(packageOf).filter((name) => name !== undefined));
      return { exports, packages: [...packages] };
    })();
    probes.set(entry, result);
  }
  return result;
}

let work: string;
let project: string;
let packedFiles: string[];

before(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'taskguard-pack-'));
  const pack = mustSucceed('npm pack', await run('npm', ['pack', '--json', '--pack-destination', work], repo));
  const [packed] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
  assert.ok(packed, pack.stdout);
  packedFiles = packed.files.map((f) => f.path);

  project = path.join(work, 'project');
  mkdirSync(project);
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'embedder', private: true, type: 'module' }));
  // --ignore-scripts: better-sqlite3 would compile its native addon here (about a minute on two cores when no
  // prebuilt binary can be fetched); nothing below opens a database, and its JavaScript loads without it.
  mustSucceed('npm install of the tarball', await run('npm', [
    'install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error',
    path.join(work, packed.filename),
  ], project));
  for (const file of ['load-probe.mjs', 'resolution-hooks.mjs']) copyFileSync(path.join(here, file), path.join(project, file));
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packed package, installed into a new project', () => {
  it('holds the built code, policies, fixtures and config, and nothing of the repository besides', () => {
    const stray = packedFiles.filter((f) => !PACKED_FOLDERS.some((folder) => f.startsWith(folder)) && !/^(package\.json|README\.md|LICEN[CS]E.*)$/.test(f));
    assert.deepEqual(stray, []);
    assert.ok(packedFiles.includes('dist/index.js') && packedFiles.includes('dist/index.d.ts'));
    assert.ok(packedFiles.includes('policies/build/policy.wasm'));
  });

  it('exports exactly the entries this test knows, and package.json', () => {
    const installed = JSON.parse(readFileSync(path.join(project, 'node_modules/taskguard/package.json'), 'utf8')) as { exports: Record<string, unknown> };
    const subpaths = Object.keys(installed.exports).filter((s) => s !== './package.json');
    assert.deepEqual(subpaths.map((s) => (s === '.' ? 'taskguard' : `taskguard/${s.slice(2)}`)).sort(), Object.keys(ENTRIES).sort());
    assert.equal(installed.exports['./package.json'], './package.json');
  });

  for (const [entry, expected] of Object.entries(ENTRIES)) {
    const drivers = expected.drivers ?? [];
    it(`imports ${entry} in a fresh node process, loading ${drivers.length ? drivers.join(', ') : 'no database driver'}`, async () => {
      const { exports, packages } = await probe(entry);
      assert.ok(exports.includes(expected.exports), `${entry} exports ${exports.join(', ')}`);
      assert.deepEqual(DRIVERS.filter((driver) => packages.includes(driver)), drivers, `${entry} loaded ${packages.join(', ')}`);
    });
  }

  it('exports every name the README imports, from the entry the README names', async () => {
    const readme = readFileSync(path.join(repo, 'README.md'), 'utf8');
    const imports = [...readme.matchAll(/^import \{([^}]+)\} from '(taskguard[^']*)';/gm)];
    assert.ok(imports.length >= 3, 'the README shows its imports');
    for (const [, names, entry] of imports) {
      const { exports } = await probe(entry!);
      const wanted = names!.split(',').map((n) => n.trim()).filter((n) => n && !n.startsWith('type '));
      assert.deepEqual(wanted.filter((n) => !exports.includes(n)), [], `README imports from ${entry}`);
    }
  });

  it('npm installed both MCP SDKs and zod beside it (non-optional peer dependencies: the CLI needs both)', () => {
    for (const peer of ['@modelcontextprotocol/sdk', '@modelcontextprotocol/server', 'zod']) {
      const installed = JSON.parse(readFileSync(path.join(project, 'node_modules', peer, 'package.json'), 'utf8')) as { name: string };
      assert.equal(installed.name, peer);
    }
  });

  it('runs `taskguard --help` through npx from the project', async () => {
    const help = mustSucceed('npx taskguard --help', await run('npx', ['--no', '--', 'taskguard', '--help'], project));
    assert.match(help.stdout, /^usage:/m);
    assert.match(help.stdout, /taskguard serve /);
  });
});
