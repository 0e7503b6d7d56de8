/**
 * Last-resort cleanup for resources a benchmark must not leave behind (a child server process): runs on
 * normal exit, on an uncaught error and on SIGINT/SIGTERM. Functions must be synchronous and idempotent,
 * because the 'exit' event allows no asynchronous work.
 */
const tasks = new Set<() => void>();
let installed = false;

export function registerCleanup(task: () => void): () => void {
  install();
  tasks.add(task);
  return () => {
    tasks.delete(task);
  };
}

function runAll(): void {
  for (const task of [...tasks]) {
    tasks.delete(task);
    try {
      task();
    } catch {
      // Keep going: one failed cleanup must not leave the others undone.
    }
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', runAll);
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: stopping\n`);
      runAll();
      process.exit(code);
    });
  }
}
