import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readBundle } from '../../src/decision/bundle.js';
import { createDecider, type Decider } from '../../src/decision/engine.js';
import { buildBundle } from '../../src/policy/build.js';

/**
 * The engine's floor: the same wasm runtime, data document and decision parsing, over a policy that answers
 * a constant. What it costs is what every decision pays before any rule runs (input serialisation into wasm
 * memory, the heap reset, the result's JSON back, parseDecision); the real policy's p50 over this one's is
 * what the policy's own rules cost, as a ratio (issue 11: at most 1.3x). The constant has the shape of the
 * commonest answer, an allowed get (four keys): the result's JSON out of the wasm and its parsing are engine
 * costs too, and a smaller constant would charge them to the rules (one key measured +0.15 us).
 */
const CONSTANT_POLICY = 'package taskguard.tasks\n\ndecision := {"allow": true, "reasons": [], "delegated": false, "poll_interval_ms": 1000}\n';

export function constantPolicyDecider(data: Readonly<Record<string, unknown>>): Decider {
  const dir = mkdtempSync(path.join(tmpdir(), 'taskguard-floor-'));
  try {
    writeFileSync(path.join(dir, 'floor.rego'), CONSTANT_POLICY);
    writeFileSync(path.join(dir, 'data.json'), '{}');
    const outDir = path.join(dir, 'build');
    buildBundle({ policyDir: dir, outDir });
    return createDecider(readBundle(outDir), { data });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
