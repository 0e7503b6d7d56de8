import { loadHostConfig } from '../../src/config/host-config.js';
import { createHostRuntime, createReferenceHttp } from '../../src/host/reference-host.js';
import type { HostReply, HostRequest, HostSample } from './protocol.js';

/**
 * The host of `npm run bench -- soak`: the reference host exactly as `taskguard serve --config <file>` builds
 * it (createHostRuntime + createReferenceHttp), in a child process forked with --expose-gc so each sample can
 * measure the heap that survives a full collection. Exits when the parent goes away.
 */
const gc = (globalThis as { gc?: () => void }).gc;

function send(message: HostReply, then?: () => void): void {
  process.send?.(message, undefined, {}, () => then?.());
}

function fail(err: unknown): void {
  send({ type: 'failed', message: err instanceof Error ? (err.stack ?? err.message) : String(err) }, () => process.exit(1));
}

async function main(configFile: string): Promise<void> {
  if (!gc) throw new Error('the soak host needs node --expose-gc');
  const collect = gc;
  const config = loadHostConfig(configFile);
  const runtime = await createHostRuntime(config, (line) => process.stderr.write(`${line}\n`));
  const http = createReferenceHttp(runtime);
  const url = await http.listen();

  const sample = (): HostSample => {
    collect();
    const memory = process.memoryUsage();
    return { rssMb: memory.rss / 1_048_576, heapMb: memory.heapUsed / 1_048_576, sessions: http.sessions(), runningTasks: runtime.guard.running() };
  };
  process.on('message', (message: HostRequest) => {
    if (message.type === 'sample') return send({ type: 'sampled', sample: sample() });
    http.drain();
    void runtime.settle(() => {}).then(() => http.close()).then(() => send({ type: 'stopped' }, () => process.exit(0)), fail);
  });
  send({ type: 'ready', url, pid: process.pid });
}

process.on('disconnect', () => process.exit(0));
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);
main(process.argv[2] ?? '').catch(fail);
