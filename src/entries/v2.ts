// Package entry `taskguard/v2`: the 2026-07-28 tasks extension on `@modelcontextprotocol/server` 2.x (an optional peer dependency).
export { createTasksExtension, type TasksExtension, type TasksExtensionSource } from '../wire/v2026/extension.js';
export type { Preflight as TasksExtensionPreflight } from '../wire/v2026/preflight.js';
export { TASKS_EXTENSION, MCP_RPC_ERRORS } from '../wire/rpc-errors.js';
