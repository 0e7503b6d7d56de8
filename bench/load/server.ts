/** What both server configurations give the child process: where they listen and how to stop them. */
export interface RunningServer {
  url: string;
  /** One line for the log: what this configuration is. */
  detail: string;
  counters(): { toolRuns: number; toolFailures: number; auditRecords?: number; auditFailures?: number };
  close(): Promise<void>;
}
