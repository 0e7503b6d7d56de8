/**
 * Go's filepath.Match on `/`-separated names, which OPA uses for `exclude_files`: `*` is any run of
 * characters but `/`, `?` one such character, `[...]` a class (`[^...]` negated, ranges allowed), `\` escapes.
 * A malformed pattern matches nothing, as Go reports ErrBadPattern and OPA then treats it as no match.
 */
export function globMatch(pattern: string, name: string): boolean {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else if (c === '\\') {
      const next = pattern[++i];
      if (next === undefined) return false;
      source += escape(next);
    } else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end === -1) return false;
      const body = pattern.slice(i + 1, end);
      const negated = body.startsWith('^');
      const members = (negated ? body.slice(1) : body).replace(/[\\\]]/g, '\\$&');
      source += negated ? `[^/${members}]` : `[${members}]`;
      i = end;
    } else source += escape(c);
  }
  return new RegExp(`^${source}$`, 'u').test(name);
}

function escape(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
