import { setImmediate as nextTurn } from 'node:timers/promises';
import type { ToolResult } from '../../guard/tools.js';
import { z } from 'zod';
import { WorkspaceError } from './workspace.js';

export function okResult(text: string, structuredContent?: Record<string, unknown>): ToolResult {
  return { content: [{ type: 'text', text }], ...(structuredContent ? { structuredContent } : {}) };
}

export function errorResult(text: string): ToolResult {
  return { content: [{ type: 'text', text }], isError: true };
}

/**
 * Turns a caller's mistake (a refused path, a missing file) into an isError result the model can read;
 * anything else, aborts included, propagates so the guard records the task as failed or cancelled.
 */
export async function refusalsAsResults(work: () => Promise<ToolResult>): Promise<ToolResult> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof WorkspaceError) return errorResult(err.message);
    throw err;
  }
}

/**
 * Between units of work: stop if the call or task was cancelled or expired, and let the event loop run
 * (tasks/get, tasks/cancel and other sessions are served in between).
 */
export async function checkpoint(signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  await nextTurn();
  signal.throwIfAborted();
}

/** A workspace-relative path as tools accept it; the workspace checks it further when it is used. */
export const relativePath = z.string().min(1).max(256).describe('path relative to the workspace, e.g. docs/handbook.md');
