import type { Benchmark } from './lib/benchmark.js';

/**
 * `npm run bench -- <name> [flags]`. Benchmarks are listed here and loaded only when chosen; to add one (say
 * a host load run), write bench/<name>.ts exporting an entry point and add a line below.
 */
const BENCHMARKS: readonly Benchmark[] = [
  {
    name: 'crosshost',
    summary: 'two hosts sharing PostgreSQL: cancel-to-abort latency across hosts (LISTEN/NOTIFY) and rate-limit writes per 1,000 requests',
    load: async () => (await import('./crosshost.js')).runCrosshostBenchmark,
  },
  {
    name: 'decision',
    summary: 'per-decision latency: in-process wasm vs the same policy behind opa run --server (REST)',
    load: async () => (await import('./decision.js')).runDecisionBenchmark,
  },
  {
    name: 'load',
    summary: 'host under load over Streamable HTTP: guard ON (taskguard) vs the SDK\'s stock task support, 200 clients',
    load: async () => (await import('./load.js')).runLoadBenchmark,
  },
  {
    name: 'soak',
    summary: 'the reference host for --minutes (default 10) under SDK clients that abandon sessions: RSS, heap, sessions, tasks, audit and store growth',
    load: async () => (await import('./soak.js')).runSoakBenchmark,
  },
  {
    name: 'stores',
    summary: 'task stores as the table grows: get, list pages, countLive, expiry sweep; SQLite and PostgreSQL, 10k vs 1M tasks',
    load: async () => (await import('./stores.js')).runStoresBenchmark,
  },
];

function available(): string {
  const width = Math.max(...BENCHMARKS.map((b) => b.name.length));
  return `usage: npm run bench -- <name> [flags]   (<name> --help for its flags)\navailable:\n${BENCHMARKS.map((b) => `  ${b.name.padEnd(width)}  ${b.summary}`).join('\n')}`;
}

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  const benchmark = BENCHMARKS.find((b) => b.name === name);
  if (!benchmark) {
    console.error(name === undefined ? 'bench: which benchmark?' : `bench: no benchmark named ${name}`);
    console.error(available());
    return 2;
  }
  const run = await benchmark.load();
  return run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exitCode = 1;
  },
);
