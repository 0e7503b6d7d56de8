import type { TaskOwner } from '../../src/decision/types.js';
import type { ListPosition, TaskStore } from '../../src/stores/types.js';
import type { StoreKind } from './flags.js';

/** Inputs of a diagnostic pass after the timed one: a few of what the timed calls were given. */
export interface DiagnosisInputs {
  nowMs: number;
  ids: readonly string[];
  owners: readonly TaskOwner[];
  heavy: TaskOwner;
  afters: readonly ListPosition[];
}

/** One store holding one seeded table, ready to be measured through its TaskStore methods. */
export interface StoreTarget {
  kind: StoreKind;
  store: TaskStore;
  /** Rows in the tasks table, counted with SQL behind the store's back. */
  countRows(): Promise<number>;
  /** The query plan of each statement the benchmark times, one line each, with representative parameters. */
  plans(): Promise<Record<string, string>>;
  /** How big the table and its indexes are on disk and what cache the reads have: one line. */
  describe(): Promise<string>;
  /** Per operation, what one call reads from the database's cache and from outside it, where the store can say. */
  diagnose?(inputs: DiagnosisInputs): Promise<Record<string, string>>;
  /**
   * One bare round trip to the database server (SELECT 1 as a prepared statement, through the same client
   * library), for a server the store talks to over a socket: the floor under every store call.
   */
  ping?(): Promise<void>;
  /** Local pids of the database server processes serving the store (PostgreSQL backends), for CPU accounting. */
  serverPids(): Promise<number[]>;
  /** Closes the store and removes the table (file or schema); safe to call twice. */
  close(): Promise<void>;
}

/** Progress to stderr: stdout holds only the report. */
export function progress(line: string): void {
  process.stderr.write(`[stores] ${line}\n`);
}

/** Seeding progress: every `every` rows and at the end, with the rate so far. */
export function seedProgress(label: string, total: number, every: number): (done: number) => void {
  const started = process.hrtime.bigint();
  let next = every;
  return (done: number): void => {
    if (done < next && done < total) return;
    while (next <= done) next += every;
    const s = Number(process.hrtime.bigint() - started) / 1e9;
    progress(`${label}: ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} rows, ${Math.round(done / s).toLocaleString('en-US')} rows/s, ${s.toFixed(1)} s`);
  };
}
