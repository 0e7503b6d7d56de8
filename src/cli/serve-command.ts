import { parseArgs } from 'node:util';
import { TaskguardError } from '../errors.js';
import { createHostRuntime, createReferenceDiagnostics, createReferenceHttp } from '../host/reference-host.js';
import { serveStdio } from '../host/stdio.js';
import { configOption, configOptionHelp, loadCliConfig } from './config-option.js';
import type { CommandHelp } from './help.js';
import type { CliIo } from './io.js';

/** The protocol revisions both transports serve, each client's own picked by its first message. */
const GENERATIONS = 'MCP 2025-11-25 and 2026-07-28';

export const serveUsage = 'taskguard serve [--config FILE] [--stdio [--token TOKEN]]';

export const serveHelp: CommandHelp = {
  usage: serveUsage,
  summary: 'run the reference MCP Tasks host (HTTP on 127.0.0.1:8787/mcp, or stdio)',
  options: [
    configOptionHelp('host config merged over the embedded default (config/default.yaml)'),
    ['--stdio', 'serve one identity over stdin/stdout instead of HTTP'],
    ['--token TOKEN', 'with --stdio: that identity\'s bearer token (default $TASKGUARD_TOKEN)'],
  ],
};

/**
 * Runs the reference MCP Tasks host until SIGTERM or SIGINT: Streamable HTTP by default (prints
 * `listening on URL` when ready), or stdio for one identity. SIGHUP reloads the policy. Shutdown stops accepting, lets running tasks
 * settle for shutdown.grace_ms, stops the rest and flushes the audit log.
 */
export async function serveCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args, options: { ...configOption, stdio: { type: 'boolean' }, token: { type: 'string' } }, strict: true });
  const { config, described } = loadCliConfig(values.config);
  // On stdio, stdout is the protocol: everything for people goes to stderr.
  const say = (line: string): void => io.err(`taskguard: ${line}`);
  const runtime = await createHostRuntime(config, say);
  // SIGHUP reloads the policy (the Unix convention for a daemon's configuration) instead of ending the host:
  // the candidate is checked in full and goes live only if it passes; running tasks carry on either way.
  // Installed before the host says it listens, so a SIGHUP sent as soon as it is ready never ends it.
  const onHangup = (): void => void runtime.reloadPolicy('sighup');
  process.on('SIGHUP', onHangup);
  const policy = `policy ${runtime.decider.revision.slice(0, 12)}, data ${runtime.decider.dataRevision.slice(0, 12)}`;
  const identity = config.identity.mode === 'dev' ? `identity dev-only (taskguard token, key in ${config.stateDir})` : `identity ${config.identity.config.issuer}`;

  let stop: () => Promise<void>;
  // What a diagnostic listener's /readyz reports as `serving`: false from the first step of shutdown on.
  let draining = false;
  if (values.stdio) {
    const token = values.token ?? process.env['TASKGUARD_TOKEN'];
    if (!token) throw new TaskguardError('usage', 'stdio needs a token: --token TOKEN or TASKGUARD_TOKEN');
    const stdio = await serveStdio(runtime, token);
    say(`serving stdio, ${GENERATIONS} (${described}, ${policy}, ${identity}, store ${runtime.storeDescription}, audit ${runtime.auditDescription})`);
    stop = async () => {
      draining = true;
      await runtime.settle(say);
      await stdio.close();
    };
  } else {
    const http = createReferenceHttp(runtime);
    const url = await http.listen();
    say(`${GENERATIONS} on one endpoint; ${described}, ${policy}, ${identity}, store ${runtime.storeDescription}, audit ${runtime.auditDescription}`);
    io.out(`listening on ${url}`);
    stop = async () => {
      draining = true;
      http.drain();
      await runtime.settle(say);
      await http.close();
    };
  }
  const diagnostics = createReferenceDiagnostics(runtime, () => draining);
  if (diagnostics) say(`diagnostics (${runtime.metrics ? '/metrics, ' : ''}/livez, /readyz) on ${await diagnostics.listen()}`);

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  process.off('SIGHUP', onHangup);
  say(`${signal}: shutting down`);
  await stop();
  await diagnostics?.close();
  say('stopped; audit log flushed');
  return 0;
}
