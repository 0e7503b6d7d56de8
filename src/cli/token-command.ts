import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { TaskguardError } from '../errors.js';
import { devKeyFile, mintDevToken } from '../host/dev-identity.js';
import { CONFIG_ENV, configOption, configOptionHelp, loadCliConfig } from './config-option.js';
import type { CommandHelp } from './help.js';
import type { CliIo } from './io.js';

export const tokenUsage = 'taskguard token --sub S --tenant T --client C [--scope "A B"] [--role R]... [--acr ACR [--auth-age S]] [--act SVC] [--ttl S] [--config FILE] [--create-key]';

export const tokenHelp: CommandHelp = {
  usage: tokenUsage,
  summary: 'DEV ONLY: mint a token the dev identity trusts',
  options: [
    ['--sub S', 'the user (sub claim)'],
    ['--tenant T', 'the user\'s tenant'],
    ['--client C', 'the client app (azp claim)'],
    ['--scope "A B"', 'granted scopes, space-separated; may be repeated'],
    ['--role R', 'a role; may be repeated'],
    ['--acr ACR', 'authentication context class, e.g. urn:example:mfa for step-up'],
    ['--auth-age S', 'with --acr: seconds since the user authenticated (default 0)'],
    ['--act SVC', 'a service acting for the user (act.sub)'],
    ['--ttl S', 'lifetime in seconds (default 3600, at most 86400)'],
    configOptionHelp('the config of the host that will verify the token: its audience and dev key'),
    ['--create-key', 'make the dev key when no host with this config has started yet (e.g. before serve --stdio)'],
  ],
};

/**
 * DEV ONLY: mints a token the host's dev identity trusts; refused when the config names a real issuer. It
 * signs with the key the host made in its state folder, and refuses when there is none rather than make
 * one: a missing key almost always means a config other than the host's, and a new key would only mint a
 * token that host rejects (--create-key makes it on purpose). stderr says which config, audience and key.
 */
export async function tokenCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      sub: { type: 'string' }, tenant: { type: 'string' }, client: { type: 'string' }, scope: { type: 'string', multiple: true },
      role: { type: 'string', multiple: true }, acr: { type: 'string' }, 'auth-age': { type: 'string' }, act: { type: 'string' },
      ttl: { type: 'string' }, ...configOption, 'create-key': { type: 'boolean' },
    },
    strict: true,
  });
  for (const key of ['sub', 'tenant', 'client'] as const) {
    if (!values[key]) throw new TaskguardError('usage', `--${key} is required: ${tokenUsage}`);
  }
  const ttlS = seconds(values.ttl, 'ttl', 3600, 86_400);
  const authAgeS = seconds(values['auth-age'], 'auth-age', 0, 31_536_000);
  const { config, described } = loadCliConfig(values.config);
  const keyFile = devKeyFile(config.stateDir);
  const keyExisted = existsSync(keyFile);
  if (config.identity.mode === 'dev' && !keyExisted && values['create-key'] !== true) {
    throw new TaskguardError('usage', `no dev key in ${config.stateDir} (the state folder of ${described}), so no host has run with it yet: `
      + `start the host first (it makes the key), or pass the config the host runs with (--config FILE or ${CONFIG_ENV}), or add --create-key`);
  }
  const token = await mintDevToken(config, {
    sub: values.sub as string, tenant: values.tenant as string, client: values.client as string,
    scopes: (values.scope ?? []).flatMap((s) => s.split(/\s+/)).filter(Boolean),
    roles: values.role ?? [], ttlS, authAgeS,
    ...(values.acr ? { acr: values.acr } : {}),
    ...(values.act ? { act: values.act } : {}),
  });
  io.out(token);
  io.err(`dev-only token for ${values.sub as string}@${values.tenant as string} via ${values.client as string}, valid ${ttlS}s`);
  io.err(`  config:   ${described}`);
  io.err(`  audience: ${config.listen.publicUrl}`);
  io.err(`  dev key:  ${keyFile}${keyExisted ? '' : ' (created now)'}`);
  return 0;
}

function seconds(value: string | undefined, name: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > max) throw new TaskguardError('usage', `--${name} must be whole seconds 0..${max}`);
  return n;
}
