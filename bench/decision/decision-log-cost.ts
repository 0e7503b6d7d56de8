import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readBundle } from '../../src/decision/bundle.js';
import { createDecider, type Decider } from '../../src/decision/engine.js';
import { fixedPolicy } from '../../src/decision/policy-handle.js';
import type { DecisionInput } from '../../src/decision/types.js';
import { decisionLogConfig } from '../../src/decision-log/config.js';
import type { DecisionLog } from '../../src/decision-log/decision-log.js';
import type { ObservedDecision } from '../../src/guard/observer.js';
import { openDecisionLog } from '../../src/decision-log/open.js';
import { buildBundle } from '../../src/policy/build.js';
import { defaultPolicyDir } from '../../src/util/paths.js';

/** Decisions between two turns of the event loop: what a busy host's request batches look like to it. */
const DECISIONS_PER_TURN = 64;

/** The log rules an operator would start from (docs/DECISION-LOGS.md): drop allowed polling, erase acr. */
const LOG_RULES = 'package taskguard.log\n\ndrop if {\n  input.input.op == "get"\n  input.result.allow\n}\n\nmask contains "/input/principal/acr"\n';

export interface LogCostRow {
  name: string;
  /** Process CPU (user + system, every thread: zlib's too) per decision, microseconds, median of the rounds. */
  cpuUs: number;
  /** CPU relative to the same decisions without a decision log (1.0: free). */
  ratio: number;
  /** Wall time of the observer's call alone, per decision: all a request waits for (the rest is deferred). */
  pathUs: number;
  /** Events handed to the sinks per decision (drop rules make it less than 1). */
  logged: number;
}

interface Config {
  name: string;
  decider: Decider;
  open?: (decider: Decider) => DecisionLog;
}

/**
 * The per-decision cost of decision logging: the same decisions, the way the guard reports them (decide, a
 * decision id, the observer), with no log, a file sink, an HTTP sink to a loopback collector that discards
 * what it gets, and a file sink with Rego mask and drop rules. Everything the log does later (event, masks,
 * JSON, gzip, write, upload) runs inside the timed loop on the event loop's turns and is counted in process
 * CPU; the configurations alternate round by round, so drift hits them alike.
 */
export async function measureDecisionLogCost(decider: Decider, inputs: readonly DecisionInput[], iterations: number, rounds = 3): Promise<LogCostRow[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'taskguard-bench-declog-'));
  const sink = await discardingCollector();
  try {
    const ruled = ruledDecider(dir);
    const open = (raw: Record<string, unknown>) => (d: Decider): DecisionLog => {
      const config = decisionLogConfig({ ...raw, reporting: { min_delay_seconds: 0.05, max_delay_seconds: 0.1 } }, dir, (p, m) => {
        throw new Error(`${p}: ${m}`);
      });
      if (!config) throw new Error('no decision log config');
      return openDecisionLog(config, { policy: fixedPolicy(d), instanceId: randomUUID(), version: 'bench', log: (line) => console.log(`[decision] ${line}`) });
    };
    let files = 0;
    const configs: Config[] = [
      { name: 'no decision log', decider },
      { name: 'file sink', decider, open: (d) => open({ file: `decisions-${files++}.jsonl` })(d) },
      { name: 'http sink (loopback)', decider, open: open({ service: { url: sink.url } }) },
      { name: 'file sink + Rego mask/drop', decider: ruled, open: (d) => open({ file: `ruled-${files++}.jsonl` })(d) },
    ];
    const samples = configs.map(() => ({ cpu: [] as number[], path: [] as number[], logged: 0 }));
    for (const config of configs) await runOnce(config, inputs, Math.min(iterations, 20_000));
    for (let round = 0; round < rounds; round++) {
      for (const [i, config] of configs.entries()) {
        const run = await runOnce(config, inputs, iterations);
        samples[i]?.cpu.push(run.cpuNs / iterations);
        samples[i]?.path.push(run.pathNs / iterations);
        if (samples[i]) samples[i].logged = run.logged / iterations;
      }
    }
    const base = median(samples[0]?.cpu ?? []);
    return configs.map((config, i) => {
      const cpu = median(samples[i]?.cpu ?? []);
      return { name: config.name, cpuUs: cpu / 1000, ratio: cpu / base, pathUs: median(samples[i]?.path ?? []) / 1000, logged: samples[i]?.logged ?? 0 };
    });
  } finally {
    await new Promise((resolve) => sink.server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runOnce(config: Config, inputs: readonly DecisionInput[], iterations: number): Promise<{ cpuNs: number; pathNs: number; logged: number }> {
  const log = config.open?.(config.decider);
  const observer = log?.observer;
  const cpu0 = process.cpuUsage();
  let pathNs = 0;
  const turn: ObservedDecision[] = [];
  for (let i = 0; i < iterations; i++) {
    const input = inputs[i % inputs.length] as DecisionInput;
    const t0 = process.hrtime.bigint();
    const decision = config.decider.decide(input);
    const evalNs = Number(process.hrtime.bigint() - t0);
    turn.push({ decisionId: randomUUID(), input, decision, policyRevision: config.decider.revision, dataRevision: config.decider.dataRevision, timeMs: input.now_ms, evalNs });
    if (turn.length === DECISIONS_PER_TURN || i === iterations - 1) {
      // The observer's calls of one turn, timed together: one call is below the clock's resolution.
      const t1 = process.hrtime.bigint();
      if (observer?.decided) for (const observed of turn) observer.decided(observed);
      pathNs += Number(process.hrtime.bigint() - t1);
      turn.length = 0;
      await new Promise((r) => setImmediate(r));
    }
  }
  await log?.close();
  const cpu = process.cpuUsage(cpu0);
  const logged = log?.stats().logged ?? 0;
  return { cpuNs: (cpu.user + cpu.system) * 1000, pathNs, logged };
}

/** The committed policy sources plus LOG_RULES, built with the pinned opa. */
function ruledDecider(dir: string): Decider {
  const policyDir = path.join(dir, 'policy');
  const outDir = path.join(policyDir, 'build');
  const files = readdirSync(defaultPolicyDir).filter((n) => (n.endsWith('.rego') && !n.endsWith('_test.rego')) || n === 'data.yaml');
  for (const name of files) writeFile(path.join(policyDir, name), readFileSync(path.join(defaultPolicyDir, name)));
  writeFile(path.join(policyDir, 'log.rego'), Buffer.from(LOG_RULES));
  buildBundle({ policyDir, outDir });
  return createDecider(readBundle(outDir));
}

function writeFile(file: string, bytes: Buffer): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, bytes);
}

/** Answers 200 to everything and keeps nothing: the upload's cost, not a collector's, is what is measured. */
async function discardingCollector(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

export function formatDecisionLogCost(rows: readonly LogCostRow[]): string {
  const header = ['decision log (per decision)', 'cpu us', 'cpu ratio', 'on the path us', 'path share', 'events'];
  const base = rows[0]?.cpuUs ?? Number.NaN;
  const cells = [header, ...rows.map((r) => [
    r.name, r.cpuUs.toFixed(2), `${r.ratio.toFixed(3)}x`, r.pathUs.toFixed(3), `${((r.pathUs / base) * 100).toFixed(2)}%`, r.logged.toFixed(2),
  ])];
  const widths = header.map((_, c) => Math.max(...cells.map((row) => (row[c] ?? '').length)));
  const lines = cells.map((row) => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  '));
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  return lines.join('\n');
}
