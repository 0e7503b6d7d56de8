import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { registerCleanup } from './cleanup.js';
import { freePort } from './free-port.js';
import { getStatus } from './http-json.js';

export interface OpaServerOptions {
  opa: string;
  /** Policy and data files or folders, as `opa run` takes them. */
  paths: readonly string[];
  /** `opa run --ignore` patterns (test files, compiled bundles). */
  ignore?: readonly string[];
  readyTimeoutMs?: number;
}

export interface OpaServer {
  baseUrl: string;
  pid: number;
  /** Stops the server and waits for it to exit; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts `opa run --server` on a free loopback port and resolves once GET /health answers 200. The process
 * is killed on every way out of the benchmark (error, SIGINT, normal exit), not only on stop().
 */
export async function startOpaServer(options: OpaServerOptions): Promise<OpaServer> {
  const port = await freePort();
  const args = ['run', '--server', '--addr', `127.0.0.1:${port}`, '--log-level', 'error'];
  for (const pattern of options.ignore ?? []) args.push('--ignore', pattern);
  args.push(...options.paths);

  const child = spawn(options.opa, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    // Only the tail matters, to explain a failed start.
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const spawnFailed = new Promise<never>((_, reject) => child.once('error', reject));
  spawnFailed.catch(() => {}); // observed through the race below; never an unhandled rejection
  const unregister = registerCleanup(() => kill(child, 'SIGKILL'));

  const stop = async (): Promise<void> => {
    unregister();
    if (child.exitCode === null && child.signalCode === null) {
      kill(child, 'SIGTERM');
      const timer = setTimeout(() => kill(child, 'SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
  };

  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await Promise.race([spawnFailed, waitHealthy(baseUrl, child, options.readyTimeoutMs ?? 30_000, () => stderr)]);
  } catch (err) {
    await stop();
    throw err;
  }
  return { baseUrl, pid: child.pid ?? -1, stop };
}

async function waitHealthy(baseUrl: string, child: ChildProcess, timeoutMs: number, stderr: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`opa exited (${child.exitCode ?? child.signalCode}) before it was ready: ${stderr().trim() || 'no output'}`);
    }
    try {
      if ((await getStatus(`${baseUrl}/health`, 1000)) === 200) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`opa not healthy after ${timeoutMs} ms: ${stderr().trim() || 'no output'}`);
    await sleep(50);
  }
}

function kill(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
}
