import { parseArgs } from 'node:util';
import { loadHostConfig } from '../config/host-config.js';
import { TaskguardError } from '../errors.js';
import { mintDevToken } from '../host/dev-identity.js';
import type { CommandHelp } from './help.js';
import type { CliIo } from './io.js';

export const tokenUsage = 'taskguard token --sub S --tenant T --client C [--scope "A B"] [--role R]... [--acr ACR [--auth-age S]] [--act SVC] [--ttl S] [--config FILE]';

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
    ['-c, --config FILE', 'the config of the host that will verify the token: its audience and dev key'],
  ],
};

/** DEV ONLY: mints a token the host's dev identity trusts; refused when the config names a real issuer. */
export async function tokenCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      sub: { type: 'string' }, tenant: { type: 'string' }, client: { type: 'string' }, scope: { type: 'string', multiple: true },
      role: { type: 'string', multiple: true }, acr: { type: 'string' }, 'auth-age': { type: 'string' }, act: { type: 'string' },
      ttl: { type: 'string' }, config: { type: 'string', short: 'c' },
    },
    strict: true,
  });
  for (const key of ['sub', 'tenant', 'client'] as const) {
    if (!values[key]) throw new TaskguardError('usage', `--${key} is required: ${tokenUsage}`);
  }
  const ttlS = seconds(values.ttl, 'ttl', 3600, 86_400);
  const authAgeS = seconds(values['auth-age'], 'auth-age', 0, 31_536_000);
  const config = loadHostConfig(values.config);
  const token = await mintDevToken(config, {
    sub: values.sub as string, tenant: values.tenant as string, client: values.client as string,
    scopes: (values.scope ?? []).flatMap((s) => s.split(/\s+/)).filter(Boolean),
    roles: values.role ?? [], ttlS, authAgeS,
    ...(values.acr ? { acr: values.acr } : {}),
    ...(values.act ? { act: values.act } : {}),
  });
  io.out(token);
  io.err(`dev-only token for ${values.sub as string}@${values.tenant as string} via ${values.client as string}, valid ${ttlS}s, for ${config.listen.publicUrl}`);
  return 0;
}

function seconds(value: string | undefined, name: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > max) throw new TaskguardError('usage', `--${name} must be whole seconds 0..${max}`);
  return n;
}
