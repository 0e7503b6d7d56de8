/**
 * What bench/run.ts knows about a benchmark. Each benchmark lives in its own file and is imported lazily, so
 * running one never loads (or fails on) the dependencies of another.
 */
export interface Benchmark {
  name: string;
  /** One line for the list of available benchmarks. */
  summary: string;
  /** Resolves to the benchmark's entry point, which gets the arguments after its name and returns an exit code. */
  load(): Promise<(args: readonly string[]) => Promise<number>>;
}
