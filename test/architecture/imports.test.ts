import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const SRC = path.resolve(import.meta.dirname, '../../src');

function sources(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sources(full);
    return e.name.endsWith('.ts') ? [full] : [];
  });
}

/** Every module specifier a file imports or re-exports, static or dynamic. */
function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?\bfrom\s*['"]([^'"]+)['"]/g)) found.push(m[1] as string);
  for (const m of text.matchAll(/(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g)) found.push(m[1] as string);
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push(m[1] as string);
  return found;
}

const rel = (file: string): string => path.relative(SRC, file).split(path.sep).join('/');
const files = sources().map((f) => ({ file: rel(f), imports: specifiers(f) }));

/**
 * DESIGN.md section 2: data flows transport -> identity -> wire adapter -> guard -> decision -> store/audit.
 * Only the wire adapters, the HTTP host and the reference host know an MCP SDK; the token verifier keeps the
 * SDK's OAuthTokenVerifier shape.
 */
const MAY_IMPORT_AN_MCP_SDK = [/^wire\//, /^http\//, /^host\//, /^identity\/verifier\.ts$/];

describe('the import rules of src/', () => {
  it('finds the files and their imports (the rule below cannot pass vacuously)', () => {
    assert.ok(files.length > 50);
    assert.ok(files.some((f) => f.imports.some((s) => s.startsWith('@modelcontextprotocol/'))));
  });

  it('only the wire adapters, the HTTP host, the reference host and the token verifier import an MCP SDK', () => {
    const offenders = files.filter((f) => f.imports.some((s) => s.startsWith('@modelcontextprotocol/')) && !MAY_IMPORT_AN_MCP_SDK.some((r) => r.test(f.file)));
    assert.deepEqual(offenders.map((f) => f.file), []);
  });

  it('the guard core knows no wire, no transport and no host', () => {
    const offenders = files.filter((f) => f.file.startsWith('guard/') && f.imports.some((s) => /^\.\.\/(wire|http|host|cli)\//.test(s)));
    assert.deepEqual(offenders.map((f) => f.file), []);
  });

  it('the decision engine, identity, stores and audit know no guard and no wire', () => {
    const lower = /^(decision|identity|stores|audit)\//;
    const offenders = files.filter((f) => lower.test(f.file) && f.imports.some((s) => /^\.\.\/(guard|wire|http|host|cli)\//.test(s)));
    assert.deepEqual(offenders.map((f) => f.file), []);
  });
});
