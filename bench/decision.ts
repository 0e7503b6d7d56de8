import path from 'node:path';
import { DECISION_ENTRYPOINT, readBundle } from '../src/decision/bundle.js';
import { loadDecider } from '../src/decision/engine.js';
import type { DecisionInput, Operation } from '../src/decision/types.js';
import { runtimeCapabilities } from '../src/policy/capabilities.js';
import { opaVersion, resolveOpa } from '../src/policy/opa.js';
import { sourceDigest } from '../src/policy/sources.js';
import { defaultBundleDir, defaultPolicyDir } from '../src/util/paths.js';
import { formatByOperation, latencyByOperation, type OperationLatency } from './decision/by-operation.js';
import { formatDecisionLogCost, measureDecisionLogCost, type LogCostRow } from './decision/decision-log-cost.js';
import { checkEquivalence, type Mismatch } from './decision/equivalence.js';
import { constantPolicyDecider } from './decision/floor.js';
import { formatMetricsCost, measureMetricsCost } from './decision/metrics-cost.js';
import { buildDecisionMix, OP_WEIGHTS, type DecisionMix } from './decision/mix.js';
import { timeOpa, warmOpa } from './decision/opa-rest.js';
import { readPolicyData } from './decision/policy-data.js';
import { formatJson, formatTable, type DecisionReport } from './decision/report.js';
import { timeTaskguard, warmTaskguard } from './decision/time-taskguard.js';
import { flagHelp, parseIntFlags, UsageError, type IntFlags } from './lib/args.js';
import { createJsonClient } from './lib/http-json.js';
import { startOpaServer } from './lib/opa-server.js';

/**
 * `npm run bench -- decision`: the latency of one task decision in-process (the compiled wasm through
 * loadDecider) against the same policy and data behind `opa run --server`, the out-of-process PDP a host
 * would otherwise call. Both engines see the same deterministic input mix and must agree on `allow`.
 */
const FLAGS = {
  iterations: { default: 200_000, help: 'timed taskguard decisions' },
  'opa-iterations': { default: 20_000, help: 'timed OPA REST decisions' },
  warmup: { default: 20_000, help: 'untimed taskguard decisions first' },
  'opa-warmup': { default: 1_000, help: 'untimed OPA REST decisions first (after the equivalence check)' },
  check: { default: 2_000, help: 'inputs both engines must agree on' },
  pool: { default: 10_000, help: 'distinct inputs in the mix, cycled through' },
  seed: { default: 20_251_125, help: 'PRNG seed of the mix', min: 0 },
  'log-iterations': { default: 100_000, help: 'decisions per configuration and round of the decision-log cost (0: skip)', min: 0 },
} as const satisfies IntFlags<string>;

const OPA_DECISION_PATH = `/v1/data/${DECISION_ENTRYPOINT}`;

function log(line: string): void {
  console.log(`[decision] ${line}`);
}

export async function runDecisionBenchmark(args: readonly string[]): Promise<number> {
  let flags: Record<keyof typeof FLAGS, number> | undefined;
  try {
    flags = parseIntFlags(args, FLAGS);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`bench decision: ${err.message}\n${usage()}`);
    return 2;
  }
  if (flags === undefined) {
    console.log(usage());
    return 0;
  }

  const mix = buildDecisionMix(readPolicyData(path.join(defaultPolicyDir, 'data.yaml')), flags.pool, flags.seed);
  log(`mix: ${mix.inputs.length} inputs, seed ${flags.seed}: ${describeMix(mix)}`);

  const decider = loadDecider();
  const bundleStale = isBundleStale();
  log(`taskguard: policy ${decider.revision.slice(0, 12)}, data ${decider.dataRevision.slice(0, 12)}`);
  if (bundleStale) {
    log('WARNING: policies/build is older than the sources in policies/ (run `npm run build`): taskguard runs the built');
    log('         bundle, opa runs the sources; the equivalence check below catches any difference in behaviour');
  }

  const opaBin = resolveOpa();
  const version = opaVersion(opaBin);
  log(`starting opa ${version} server on policies/`);
  // The folder as `taskguard build` compiles it: same files, same data paths, without tests and the bundle.
  const server = await startOpaServer({ opa: opaBin, paths: [defaultPolicyDir], ignore: ['*_test.rego', 'build'] });
  log(`opa ready at ${server.baseUrl} (pid ${server.pid})`);
  const client = createJsonClient(server.baseUrl);

  let report: DecisionReport;
  let byOperation: OperationLatency[];
  let logCost: LogCostRow[] = [];
  try {
    log(`equivalence check: ${Math.min(flags.check, mix.inputs.length)} inputs through both engines`);
    const check = await checkEquivalence(decider, client, OPA_DECISION_PATH, mix, flags.check);
    if (check.allowMismatch) {
      console.error(`bench decision: taskguard and opa disagree on allow (input #${check.allowMismatch.index}, ${check.allowMismatch.label})`);
      console.error(describeMismatch(check.allowMismatch));
      return 1;
    }
    log(`equivalence: allow agrees on all ${check.checked}; reasons differ on ${check.reasonMismatches}`);
    if (check.firstReasonMismatch) log(`first reasons difference:\n${describeMismatch(check.firstReasonMismatch)}`);

    log(`warming up taskguard (${flags.warmup} decisions)`);
    warmTaskguard(decider, mix.inputs, flags.warmup);
    log(`timing taskguard ${flags.iterations} decisions`);
    const taskguard = timeTaskguard(decider, mix.inputs, flags.iterations);
    log(`timing the engine's floor: a constant policy over the same data and mix (${flags.iterations} decisions)`);
    const floorDecider = constantPolicyDecider(decider.data);
    warmTaskguard(floorDecider, mix.inputs, flags.warmup);
    const floor = timeTaskguard(floorDecider, mix.inputs, flags.iterations).latency;
    byOperation = latencyByOperation(taskguard.samples, mix.inputs, Object.keys(OP_WEIGHTS) as Operation[]);
    log(`timing the same decisions with and without metrics (${flags.iterations} each, interleaved)`);
    const metricsCost = measureMetricsCost(decider, mix.inputs, flags.iterations);
    if (flags['log-iterations'] > 0) {
      log(`decision-log cost: ${flags['log-iterations']} decisions x 4 configurations x 3 rounds`);
      logCost = await measureDecisionLogCost(decider, mix.inputs, flags['log-iterations']);
    }

    log(`warming up opa REST (${flags['opa-warmup']} requests)`);
    await warmOpa(client, OPA_DECISION_PATH, mix.inputs, flags['opa-warmup']);
    log(`timing opa REST ${flags['opa-iterations']} decisions (sequential, one keep-alive connection)`);
    const opa = await timeOpa(client, OPA_DECISION_PATH, mix.inputs, flags['opa-iterations']);

    report = {
      taskguard: taskguard.latency,
      floor,
      opa,
      allowShare: taskguard.allows / flags.iterations,
      checked: check.checked,
      reasonMismatches: check.reasonMismatches,
      seed: flags.seed,
      pool: mix.inputs.length,
      nodeVersion: process.version,
      opaVersion: version,
      policyRevision: decider.revision,
      dataRevision: decider.dataRevision,
      bundleStale,
      metricsCost,
    };
  } finally {
    client.close();
    await server.stop();
    log('opa stopped');
  }

  console.log('');
  console.log(formatTable(report));
  console.log('');
  console.log(formatByOperation(byOperation));
  console.log(formatMetricsCost(report.metricsCost));
  console.log(`allow share of the timed mix: ${(report.allowShare * 100).toFixed(1)}%; node ${report.nodeVersion}, opa ${report.opaVersion}`);
  if (logCost.length > 0) console.log(`\n${formatDecisionLogCost(logCost)}\n`);
  console.log(formatJson(report, { taskguard: flags.iterations, opa: flags['opa-iterations'] }));
  return 0;
}

function usage(): string {
  return `usage: npm run bench -- decision [flags]\n${flagHelp(FLAGS)}`;
}

/** True when the committed bundle was built from other sources than policies/ holds now. */
function isBundleStale(): boolean {
  try {
    return readBundle(defaultBundleDir).manifest.source_digest !== sourceDigest(defaultPolicyDir, runtimeCapabilities().document);
  } catch {
    return true;
  }
}

function describeMix(mix: DecisionMix): string {
  const counts = new Map<Operation, number>();
  for (const input of mix.inputs) counts.set(input.op, (counts.get(input.op) ?? 0) + 1);
  return (Object.keys(OP_WEIGHTS) as Operation[]).map((op) => `${op} ${(((counts.get(op) ?? 0) / mix.inputs.length) * 100).toFixed(1)}%`).join(', ');
}

function describeMismatch(m: Mismatch): string {
  const input: DecisionInput = m.input;
  return [`  scenario:  ${m.label}`, `  input:     ${JSON.stringify(input)}`, `  taskguard: ${JSON.stringify(m.taskguard)}`, `  opa:       ${JSON.stringify(m.opa)}`].join('\n');
}
