// End-to-end harness: the real `taskguard serve` as a child process on 127.0.0.1, real tokens minted by the
// real `taskguard token` command, and every child process accounted for on every exit path.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

/** The repository root: the CLI runs from source with this as its working directory. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const ENTRY = ['--import', 'tsx', 'src/cli/entry.ts'];

const LISTEN_TIMEOUT_MS = 30_000;
/** SIGTERM to exit: the host's grace period plus the time to flush and close. */
const STOP_MARGIN_MS = 20_000;
const TAIL_CHARS = 4000;

// ---------------------------------------------------------------------------------------------------------
// Child process bookkeeping. Every child runs in its own process group (detached), so a launcher that spawns
// a grandchild (the Inspector CLI does) is stopped whole. Whatever is still alive when this process exits,
// normally, by an uncaught error or by SIGINT/SIGTERM from the test runner, is killed.

const live = new Set<ChildProcess>();
/** Temp folders of hosts not yet disposed: removed at exit too, whatever the path out. */
const tempDirs = new Set<string>();

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

function killAll(): void {
  for (const child of live) killGroup(child, 'SIGKILL');
  live.clear();
  for (const dir of tempDirs) {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      // a child killed a moment ago may still have been writing; the OS temp folder is cleaned eventually
    }
  }
  tempDirs.clear();
}

process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    killAll();
    process.kill(process.pid, signal);
  });
}

/** Spawns a tracked child in its own process group; it leaves the set when it exits. */
export function spawnTracked(command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
  const child = spawn(command, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], ...options, detached: true });
  live.add(child);
  child.once('exit', () => live.delete(child));
  child.once('error', () => live.delete(child));
  return child;
}

/** How many tracked children are still running (for a test asserting nothing is left over). */
export function liveChildren(): number {
  return [...live].filter((c) => c.exitCode === null && c.signalCode === null).length;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Killed (whole process group) after this long, and the promise rejects with the output so far. */
  timeoutMs?: number;
  input?: string;
}

/** Runs a command to completion with a hard time limit; never leaves it running. */
export function run(command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const child = spawnTracked(command, args, {
      cwd: options.cwd ?? REPO_ROOT,
      env: options.env ?? process.env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    if (options.input !== undefined) child.stdin?.end(options.input);
    const timer = setTimeout(() => {
      killGroup(child, 'SIGKILL');
      reject(new Error(`${path.basename(command)} ${args.join(' ')}: no exit after ${timeoutMs} ms\n--- stdout tail:\n${tail(stdout)}\n--- stderr tail:\n${tail(stderr)}`));
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Runs the taskguard CLI from source (node --import tsx src/cli/entry.ts ...) in the repository root. */
export function runTaskguard(args: string[], options: RunOptions = {}): Promise<RunResult> {
  return run(process.execPath, [...ENTRY, ...args], options);
}

export function tail(text: string, chars = TAIL_CHARS): string {
  return text.length <= chars ? text : `...${text.slice(-chars)}`;
}

// ---------------------------------------------------------------------------------------------------------

/** A port that was free a moment ago: bound on 127.0.0.1:0 and released. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no port from 127.0.0.1:0'))));
    });
  });
}

export interface TokenRequest {
  sub: string;
  tenant?: string;
  client?: string;
  scope?: string;
  role?: string;
  acr?: string;
  authAgeS?: number;
}

export interface StopResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface HostProcess {
  /** The served MCP endpoint, exactly as printed on the `listening on` line. */
  readonly url: string;
  readonly port: number;
  /** The temp folder holding the config file and (by default) the state folder. */
  readonly dir: string;
  readonly configFile: string;
  readonly stateDir: string;
  readonly auditFile: string;
  readonly workspaceDir: string;
  readonly pid: number;
  /** Everything the host printed to stdout / stderr so far. */
  stdout(): string;
  stderr(): string;
  /** A dev token minted by `taskguard token --config <this host's config>`. */
  token(request: TokenRequest): Promise<string>;
  /**
   * SIGTERM, then waits for the exit (bounded). Resolves with how it ended; throws if it did not end in
   * time (after SIGKILL) — the caller asserts the code.
   */
  stop(): Promise<StopResult>;
  /** SIGKILL, no shutdown at all: a crash. Resolves once the process is gone. */
  kill(): Promise<StopResult>;
  /** For cleanup paths: stop() when still running, else the earlier result; also removes the temp folder. */
  dispose(): Promise<StopResult | undefined>;
}

export interface StartOptions {
  /** Merged into the written config (top-level keys replace; `listen` merges). */
  config?: Record<string, unknown>;
  /** Keep the temp folder after dispose() (for debugging, or to start the same host again). */
  keep?: boolean;
  /** Start again the host that ran in this earlier folder, on its port, with its config and state. */
  again?: Pick<HostProcess, 'dir' | 'port' | 'configFile'>;
}

/**
 * Writes a temp config (`listen.port` a free port, `state_dir` in the temp folder, the rest default) and
 * starts `taskguard serve --config FILE`. Resolves once the one `listening on URL` stdout line arrives;
 * rejects after 30 s, or as soon as the process exits, with the stderr tail. Never leaves it running.
 */
export async function startHost(options: StartOptions = {}): Promise<HostProcess> {
  const dir = options.again?.dir ?? mkdtempSync(path.join(tmpdir(), 'taskguard-e2e-'));
  if (!options.keep) tempDirs.add(dir);
  const port = options.again?.port ?? await freePort();
  const stateDir = path.join(dir, 'state');
  const { listen: extraListen, ...extra } = options.config ?? {};
  const config = {
    listen: { port, ...(typeof extraListen === 'object' && extraListen !== null ? extraListen : {}) },
    state_dir: 'state',
    ...extra,
  };
  const configFile = path.join(dir, 'taskguard.yaml');
  if (!options.again) writeFileSync(configFile, stringify(config));

  const child = spawnTracked(process.execPath, [...ENTRY, 'serve', '--config', configFile]);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<StopResult>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });

  let url: string;
  try {
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`taskguard serve printed no "listening on" line within ${LISTEN_TIMEOUT_MS} ms`)), LISTEN_TIMEOUT_MS);
      const onData = (): void => {
        const m = /^listening on (http:\/\/\S+)\n/m.exec(stdout);
        if (m?.[1]) {
          clearTimeout(timer);
          child.stdout?.off('data', onData);
          resolve(m[1]);
        }
      };
      child.stdout?.on('data', onData);
      void exited.then((r) => {
        clearTimeout(timer);
        reject(new Error(`taskguard serve exited before listening (code ${r.code}, signal ${r.signal})`));
      });
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  } catch (err) {
    killGroup(child, 'SIGKILL');
    await exited;
    removeDir(dir, options.keep);
    throw new Error(`${(err as Error).message}\n--- stderr tail:\n${tail(stderr)}\n--- stdout:\n${tail(stdout)}`);
  }

  let stopped: Promise<StopResult> | undefined;
  const stop = (): Promise<StopResult> => {
    stopped ??= (async () => {
      const limit = graceMs(config) + STOP_MARGIN_MS;
      killGroup(child, 'SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), limit)));
      const outcome = await Promise.race([exited, timedOut]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        killGroup(child, 'SIGKILL');
        await exited;
        throw new Error(`taskguard serve did not exit within ${limit} ms of SIGTERM (killed)\n--- stderr tail:\n${tail(stderr)}`);
      }
      return outcome;
    })();
    return stopped;
  };

  return {
    url, port, dir, configFile, stateDir,
    auditFile: path.join(stateDir, 'audit.jsonl'),
    workspaceDir: path.join(stateDir, 'workspace'),
    pid: child.pid as number,
    stdout: () => stdout,
    stderr: () => stderr,
    async token(request) {
      const args = ['token', '--config', configFile, '--sub', request.sub, '--tenant', request.tenant ?? 'acme', '--client', request.client ?? 'reports-agent'];
      if (request.scope !== undefined) args.push('--scope', request.scope);
      if (request.role !== undefined) args.push('--role', request.role);
      if (request.acr !== undefined) args.push('--acr', request.acr);
      if (request.authAgeS !== undefined) args.push('--auth-age', String(request.authAgeS));
      const r = await runTaskguard(args, { timeoutMs: 30_000 });
      const token = r.stdout.trim();
      if (r.code !== 0 || !/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)) {
        throw new Error(`taskguard token failed (code ${r.code}): ${tail(r.stderr)}`);
      }
      return token;
    },
    stop,
    async kill() {
      killGroup(child, 'SIGKILL');
      return exited;
    },
    async dispose() {
      let result: StopResult | undefined;
      try {
        result = child.exitCode === null && child.signalCode === null ? await stop() : await (stopped ?? exited);
      } finally {
        killGroup(child, 'SIGKILL');
        removeDir(dir, options.keep);
      }
      return result;
    },
  };
}

function removeDir(dir: string, keep: boolean | undefined): void {
  if (keep) return;
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

function graceMs(config: Record<string, unknown>): number {
  const shutdown = config['shutdown'];
  const grace = typeof shutdown === 'object' && shutdown !== null ? (shutdown as Record<string, unknown>)['grace_ms'] : undefined;
  return typeof grace === 'number' ? grace : 10_000;
}

/** Polls `check` until it returns a value other than undefined, at most `limitMs`; bounded, never a bare sleep. */
export async function pollUntil<T>(what: string, check: () => Promise<T | undefined>, { limitMs = 15_000, intervalMs = 50 } = {}): Promise<T> {
  const until = Date.now() + limitMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out after ${limitMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
