import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { registerCleanup } from '../lib/cleanup.js';
import type { ChildMessage, ParentMessage, ServerConfig, ServerStats } from './protocol.js';

const CHILD_MAIN = fileURLToPath(new URL('./server-child.ts', import.meta.url));
const READY_TIMEOUT_MS = 30_000;
const REPLY_TIMEOUT_MS = 15_000;

export interface ServerChild {
  url: string;
  pid: number;
  detail: string;
  /** Starts the measured window on the server side. */
  mark(): Promise<void>;
  /** What the server used since mark(). */
  sample(): Promise<ServerStats>;
  /** Stops the server gracefully and waits for the process to exit; kills it if it does not. */
  stop(): Promise<ServerStats | undefined>;
}

/**
 * Forks a server child (tsx loader, optional --cpu-prof) and waits until it listens. The child is killed on
 * every way out of the benchmark: error, SIGINT/SIGTERM, normal exit (bench/lib/cleanup.ts).
 */
export async function startServerChild(config: ServerConfig, options: { cpuProfDir?: string } = {}): Promise<ServerChild> {
  const execArgv = ['--import', 'tsx'];
  if (options.cpuProfDir) execArgv.push('--cpu-prof', '--cpu-prof-dir', options.cpuProfDir);
  const child = fork(CHILD_MAIN, [], { execArgv, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    // The tail explains a failure; the child prints nothing otherwise.
    stderr = (stderr + chunk).slice(-4000);
  });
  const unregister = registerCleanup(() => kill(child));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const describe = (what: string): Error => new Error(`${config.mode} server ${what}${stderr.trim() ? `: ${stderr.trim()}` : ''}`);

  /** Sends `message` and resolves with the first reply of type `expect` (or rejects on failure / exit / timeout). */
  const ask = <T extends ChildMessage['type']>(message: ParentMessage, expect: T, timeoutMs: number): Promise<Extract<ChildMessage, { type: T }>> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(describe(`did not answer ${message.type} within ${timeoutMs} ms`)), timeoutMs);
      const onMessage = (reply: ChildMessage): void => {
        if (reply.type === expect) done(undefined, reply as Extract<ChildMessage, { type: T }>);
        else if (reply.type === 'failed') done(describe(`failed: ${reply.message}`));
      };
      const onExit = (code: number | null, signal: string | null): void => done(describe(`exited (${code ?? signal}) before answering ${message.type}`));
      function done(err: Error | undefined, reply?: Extract<ChildMessage, { type: T }>): void {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        if (err || !reply) reject(err ?? describe('gave no answer'));
        else resolve(reply);
      }
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send(message, (err) => {
        if (err) done(describe(`is unreachable (${err.message})`));
      });
    });

  const stop = async (): Promise<ServerStats | undefined> => {
    let stats: ServerStats | undefined;
    if (child.exitCode === null && child.signalCode === null && child.connected) {
      try {
        stats = (await ask({ type: 'stop' }, 'stopped', REPLY_TIMEOUT_MS)).stats;
      } catch {
        // Killed below.
      }
    }
    const timer = setTimeout(() => kill(child), 5000);
    await exited;
    clearTimeout(timer);
    unregister();
    return stats;
  };

  try {
    const ready = await ask({ type: 'start', config }, 'ready', READY_TIMEOUT_MS);
    return {
      url: ready.url,
      pid: ready.pid,
      detail: ready.detail,
      mark: async () => void (await ask({ type: 'mark' }, 'marked', REPLY_TIMEOUT_MS)),
      sample: async () => (await ask({ type: 'sample' }, 'sampled', REPLY_TIMEOUT_MS)).stats,
      stop,
    };
  } catch (err) {
    kill(child);
    await exited;
    unregister();
    throw err;
  }
}

function kill(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}
