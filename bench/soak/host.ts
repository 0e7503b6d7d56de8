import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { registerCleanup } from '../lib/cleanup.js';
import type { HostReply, HostRequest, HostSample } from './protocol.js';

const CHILD_MAIN = fileURLToPath(new URL('./host-child.ts', import.meta.url));
const READY_TIMEOUT_MS = 60_000;
/** A sample includes a full GC of a heap that may be a few hundred MB; stopping includes the shutdown grace. */
const REPLY_TIMEOUT_MS = 60_000;

export interface SoakHost {
  url: string;
  pid: number;
  sample(): Promise<HostSample>;
  /** Graceful stop (drain, settle, close); kills the child if it does not exit. */
  stop(): Promise<void>;
}

/** Forks bench/soak/host-child.ts on `configFile` and waits until it listens; killed on every way out. */
export async function startSoakHost(configFile: string): Promise<SoakHost> {
  const child = fork(CHILD_MAIN, [configFile], { execArgv: ['--import', 'tsx', '--expose-gc'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const unregister = registerCleanup(kill);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const problem = (what: string): Error => new Error(`soak host ${what}${stderr.trim() ? `: ${stderr.trim()}` : ''}`);

  const next = <T extends HostReply['type']>(expect: T, timeoutMs: number, request?: HostRequest): Promise<Extract<HostReply, { type: T }>> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(problem(`gave no ${expect} within ${timeoutMs} ms`)), timeoutMs);
      const onMessage = (reply: HostReply): void => {
        if (reply.type === expect) done(undefined, reply as Extract<HostReply, { type: T }>);
        else if (reply.type === 'failed') done(problem(`failed: ${reply.message}`));
      };
      const onExit = (code: number | null, signal: string | null): void => done(problem(`exited (${code ?? signal}) before ${expect}`));
      function done(err: Error | undefined, reply?: Extract<HostReply, { type: T }>): void {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        if (reply) resolve(reply);
        else reject(err ?? problem('gave no answer'));
      }
      child.on('message', onMessage);
      child.once('exit', onExit);
      if (request) child.send(request);
    });

  try {
    const ready = await next('ready', READY_TIMEOUT_MS);
    return {
      url: ready.url,
      pid: ready.pid,
      sample: async () => (await next('sampled', REPLY_TIMEOUT_MS, { type: 'sample' })).sample,
      async stop() {
        if (child.connected) await next('stopped', REPLY_TIMEOUT_MS, { type: 'stop' }).catch(() => {});
        const timer = setTimeout(kill, 5000);
        await exited;
        clearTimeout(timer);
        unregister();
      },
    };
  } catch (err) {
    kill();
    await exited;
    unregister();
    throw err;
  }
}
