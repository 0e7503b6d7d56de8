import type { PolledTask } from '../../guard/poll.js';
import type { ToolResult } from '../../guard/tools.js';
import type { TaskRecord } from '../../stores/types.js';

/** The Task fields every 2026-07-28 task result carries (ttlMs and pollIntervalMs: the policy's). */
function taskFields(record: TaskRecord, status: string, statusMessage: string | undefined, pollIntervalMs: number): Record<string, unknown> {
  return {
    taskId: record.id,
    status,
    ...(statusMessage !== undefined ? { statusMessage } : {}),
    createdAt: new Date(record.createdMs).toISOString(),
    lastUpdatedAt: new Date(record.updatedMs).toISOString(),
    ttlMs: record.ttlMs,
    pollIntervalMs,
  };
}

/** CreateTaskResult: `Result & Task`, flat, `resultType: "task"` (the only result that may say so). */
export function createTaskResultOf(record: TaskRecord): Record<string, unknown> {
  return { resultType: 'task', ...taskFields(record, record.status, record.statusMessage, record.pollIntervalMs) };
}

/**
 * GetTaskResult: the DetailedTask for the task's status, `resultType: "complete"`. Questions go out as the
 * elicitation/create requests they are; a result as the CallToolResult the call would have returned.
 */
export function detailedTaskOf(polled: PolledTask, project: (result: ToolResult) => Record<string, unknown>): Record<string, unknown> {
  const { record, detail } = polled;
  const base = { resultType: 'complete', ...taskFields(record, detail.status, polled.statusMessage, polled.pollIntervalMs) };
  switch (detail.status) {
    case 'working':
    case 'cancelled':
      return base;
    case 'input_required':
      return {
        ...base,
        inputRequests: Object.fromEntries(detail.inputRequests.map(({ key, question }) => [key, {
          method: 'elicitation/create',
          params: { mode: 'form', message: question.message, requestedSchema: question.requestedSchema },
        }])),
      };
    case 'completed':
      // Exactly what the tools/call would have answered on this revision, discriminator included.
      return { ...base, result: { resultType: 'complete', ...project(detail.result) } };
    case 'failed':
      return { ...base, error: detail.error };
  }
}
