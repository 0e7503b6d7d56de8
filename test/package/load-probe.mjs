// Run by test/package/pack.test.ts inside the temporary project that installed the packed tarball:
//   node load-probe.mjs SPECIFIER LOG_FILE
// Imports one package entry in this fresh process and prints, as JSON, the names it exports and every module
// the import loaded: ESM through resolution-hooks.mjs, CommonJS (pg and better-sqlite3 are CommonJS, however
// they are reached) from require.cache.
import { readFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';

const [specifier, log] = process.argv.slice(2);
register('./resolution-hooks.mjs', import.meta.url, { data: { log } });

const namespace = await import(specifier);
const esm = readFileSync(log, 'utf8').split('\n').filter(Boolean);
const cjs = Object.keys(createRequire(import.meta.url).cache);
process.stdout.write(JSON.stringify({ exports: Object.keys(namespace), loaded: [...esm, ...cjs] }));
