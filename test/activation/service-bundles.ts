import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadDecider } from '../../src/decision/engine.js';
import { defaultPolicyDir } from '../../src/util/paths.js';
import { tempDir, writePolicy } from '../support/temp-policy.js';
import { editArchive, runOpa } from '../policy/signing-support.js';

/** convert_document's poll interval in the committed data, and in the second policy a service serves. */
export const FIRST_POLL_MS = 500;
export const SECOND_POLL_MS = 700;

export interface ServiceBundles {
  /** `opa build -b -t wasm` of the project's policies/ (revision r1). */
  first: Buffer;
  /** The same with convert_document's poll_interval_ms changed (revision r2): another data revision. */
  second: Buffer;
  /** The data revisions decisions record under each. */
  firstDataRevision: string;
  secondDataRevision: string;
  /** A truncated archive. */
  corrupt: Buffer;
  /** Built for another entrypoint than taskguard/tasks/decision. */
  wrongEntrypoint: Buffer;
  /** The first bundle with data the host's validation refuses. */
  badData: Buffer;
}

/** `opa build -b DIR -t wasm -e ENTRYPOINT` with the pinned OPA, as a CI pipeline publishing to a bundle service would. */
export function opaBuild(dir: string, args: string[] = [], entrypoint = 'taskguard/tasks/decision'): Buffer {
  const out = path.join(tempDir(), 'bundle.tar.gz');
  const run = runOpa(['build', '-b', '.', '-t', 'wasm', '-e', entrypoint, '--ignore', '*_test.rego', '--ignore', 'build', '-o', out, ...args], dir);
  assert.equal(run.status, 0, run.output);
  return readFileSync(out);
}

/** A copy of policies/ with convert_document polled at SECOND_POLL_MS. */
export function secondPolicyDir(): string {
  const dir = path.join(tempDir(), 'policies');
  cpSync(defaultPolicyDir, dir, { recursive: true });
  const data = path.join(dir, 'data.yaml');
  const text = readFileSync(data, 'utf8');
  const changed = text.replace(`poll_interval_ms: ${FIRST_POLL_MS}`, `poll_interval_ms: ${SECOND_POLL_MS}`);
  assert.notEqual(changed, text);
  writeFileSync(data, changed);
  return dir;
}

export function buildServiceBundles(): ServiceBundles {
  const first = opaBuild(defaultPolicyDir, ['--revision', 'r1']);
  const second = opaBuild(secondPolicyDir(), ['--revision', 'r2']);
  const badData = readFileSync(editArchive(save(first), (files) => {
    const data = JSON.parse((files.get('data.json') as Buffer).toString('utf8')) as { defaults: Record<string, unknown> };
    data.defaults['max_ttl_ms'] = 'an hour';
    files.set('data.json', Buffer.from(JSON.stringify(data)));
  }));
  return {
    first, second, badData,
    firstDataRevision: loadDecider(save(first)).dataRevision,
    secondDataRevision: loadDecider(save(second)).dataRevision,
    corrupt: first.subarray(0, Math.floor(first.length / 2)),
    // Not a subset of policies/: its main.rego marks taskguard/tasks/decision an entrypoint, which opa build adds.
    wrongEntrypoint: opaBuild(writePolicy({
      'other.rego': 'package taskguard.other\n\nallow := false\n', 'data.yaml': readFileSync(path.join(defaultPolicyDir, 'data.yaml'), 'utf8'),
    }), [], 'taskguard/other/allow'),
  };
}

/** Writes bytes to a temp .tar.gz and returns its path. */
export function save(bytes: Buffer): string {
  const file = path.join(tempDir(), 'bundle.tar.gz');
  writeFileSync(file, bytes);
  return file;
}
