import { TaskguardError } from '../errors.js';

/**
 * Origin checks (Streamable HTTP: a server MUST validate Origin and answer 403 when it is present and not
 * allowed). Browsers send Origin on every cross-origin request, so this is what stops a web page, reached
 * through DNS rebinding or plain CSRF, from talking to a host on the user's machine. Non-browser clients send
 * no Origin and are not affected.
 */

/** The origin `value` names, serialized as browsers send it (lowercase, default port dropped); undefined if none. */
export function originOf(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  return url.origin;
}

/** The origins a browser on this machine uses for `port`: 127.0.0.1, localhost and [::1] are three origins. */
export function loopbackOrigins(port: number): string[] {
  return [`http://127.0.0.1:${port}`, `http://localhost:${port}`, `http://[::1]:${port}`];
}

/** The given allow-list as origins; an entry that names none is a usage error, caught at construction. */
export function checkedOrigins(values: readonly string[]): ReadonlySet<string> {
  return new Set(values.map((value) => {
    const origin = originOf(value);
    if (origin === undefined) throw new TaskguardError('usage', `allowedOrigins: \`${value}\` is not an http(s) origin`);
    return origin;
  }));
}

/** The default allow-list of a host listening on `address`:`port`: loopback, the listen address, the public resource. */
export function defaultOrigins(address: string, port: number, resource: string | undefined): ReadonlySet<string> {
  const listening = originOf(`http://${address.includes(':') ? `[${address}]` : address}:${port}`);
  const extra = [listening, resource === undefined ? undefined : originOf(resource)].filter((o): o is string => o !== undefined);
  return new Set([...loopbackOrigins(port), ...extra]);
}

/** Whether a request's Origin header passes: absent passes; present passes only when it names a listed origin. */
export function originAllowed(header: string | undefined, allowed: ReadonlySet<string>): boolean {
  if (header === undefined) return true;
  const origin = originOf(header);
  return origin !== undefined && allowed.has(origin);
}
