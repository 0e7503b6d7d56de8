// Module hooks for load-probe.mjs. Every URL the ESM loader resolves is appended to a file before the import
// that asked for it goes on, so once the probe's import settles, the file holds the entry's whole ESM graph.
// (CommonJS require() calls do not pass through these hooks on Node 20; the probe reads require.cache for those.)
import { appendFileSync } from 'node:fs';

let log;

export function initialize(data) {
  log = data.log;
}

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  appendFileSync(log, `${resolved.url}\n`);
  return resolved;
}
