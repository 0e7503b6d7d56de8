/** The IPC messages between the soak run (parent) and the host child it samples. */
export type HostRequest = { type: 'sample' } | { type: 'stop' };

/** What the host process reports about itself at one moment. */
export interface HostSample {
  rssMb: number;
  /** V8 heap in use right after a full garbage collection: what the host retains, not what it has yet to free. */
  heapMb: number;
  sessions: number;
  runningTasks: number;
}

export type HostReply =
  | { type: 'ready'; url: string; pid: number }
  | { type: 'sampled'; sample: HostSample }
  | { type: 'stopped' }
  | { type: 'failed'; message: string };
