/** How long a guarded server waits at close for stopped tasks to record their status. */
export const DRAIN_MS = 5000;

/** What both server configurations give the child process: where they listen and how to stop them. */
export interface RunningServer {
  url: string;
  /** One line for the log: what this configuration is. */
  detail: string;
  counters(): { toolRuns: number; toolFailures: number; auditRecords?: number; auditFailures?: number };
  close(): Promise<void>;
}
