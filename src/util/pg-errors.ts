/**
 * PostgreSQL errors as taskguard reports them: the server's reason and SQLSTATE, never the credentials. pg
 * and socket errors can repeat the connection string (an unparsable URL) or the password, so everything
 * that could spell them is cut out before a message leaves the store or the audit table.
 */

/** The connection string and its password, in every spelling an error might repeat; longest first. */
export function secretsOf(connectionString: string): string[] {
  const secrets = [connectionString];
  try {
    const url = new URL(connectionString);
    if (url.password) secrets.push(url.password, decodeURIComponent(url.password));
    const param = url.searchParams.get('password');
    if (param) secrets.push(param);
  } catch {
    // Not a URL (a key=value string): its password= value, if any.
    const match = /password\s*=\s*'?([^'\s]+)/i.exec(connectionString);
    if (match?.[1]) secrets.push(match[1]);
  }
  // Longest first, so a password inside the connection string does not break the string's own redaction.
  return [...new Set(secrets.filter((s) => s.length > 0))].sort((a, b) => b.length - a.length);
}

/** Removes the connection string, its password and any URL credentials or password= value from a message. */
export function redact(message: string, connectionString: string): string {
  let out = message;
  for (const secret of secretsOf(connectionString)) out = out.split(secret).join('[redacted]');
  return out.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@]*@/gi, '$1[redacted]@').replace(/password=\S+/gi, 'password=[redacted]');
}

/** One line, lowercase first letter, credentials removed, and the SQLSTATE when the server gave one. */
export function describePgError(err: unknown, connectionString: string): { reason: string; sqlstate: string | undefined } {
  let reason = redact(reasonOf(err), connectionString).replace(/\s+/g, ' ').trim();
  reason = reason === '' ? 'unknown error' : reason.charAt(0).toLowerCase() + reason.slice(1);
  const code = (err as { code?: unknown } | null)?.code;
  return { reason, sqlstate: typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined };
}

/** The message of a pg or socket error; a connection refused on every address is an AggregateError with none. */
function reasonOf(err: unknown): string {
  if (err instanceof AggregateError && err.message === '') {
    const inner = [...new Set(err.errors.map((e: unknown) => reasonOf(e)))];
    if (inner.length > 0) return inner.join('; ');
  }
  if (err instanceof Error) return err.message || String((err as { code?: unknown }).code ?? err.name);
  return String(err);
}
