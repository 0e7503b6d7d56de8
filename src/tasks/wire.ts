import type { Task } from '@modelcontextprotocol/sdk/types.js';
import type { TaskRecord } from '../stores/types.js';

/** The MCP Task object for a stored record: what tasks/get, tasks/list and tasks/cancel return. */
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

/** Task ids are receiver-generated UUIDs; anything else cannot name a task. */
const TASK_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isWellFormedTaskId(id: unknown): id is string {
  return typeof id === 'string' && TASK_ID.test(id);
}
