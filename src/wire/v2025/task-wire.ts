import type { Task } from '@modelcontextprotocol/sdk/types.js';
import type { TaskRecord } from '../../stores/types.js';

/** The 2025-11-25 Task object for a stored record: what tasks/get, tasks/list and tasks/cancel return. */
export function toWireTask(record: TaskRecord, pollIntervalMs = record.pollIntervalMs): Task {
  return {
    taskId: record.id,
    status: record.status,
    ...(record.statusMessage !== undefined ? { statusMessage: record.statusMessage } : {}),
    createdAt: new Date(record.createdMs).toISOString(),
    lastUpdatedAt: new Date(record.updatedMs).toISOString(),
    ttl: record.ttlMs,
    pollInterval: pollIntervalMs,
  };
}
