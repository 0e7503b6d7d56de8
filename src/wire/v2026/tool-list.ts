import { z } from 'zod';
import type { Guard } from '../../guard/guard.js';
import type { GuardedTool } from '../../guard/tools.js';

/** One JSON Schema per tool, converted once (the SDK's target: JSON Schema 2020-12, the input side). */
const schemas = new WeakMap<GuardedTool, Record<string, unknown>>();

function inputSchemaOf(tool: GuardedTool): Record<string, unknown> {
  let schema = schemas.get(tool);
  if (!schema) {
    schema = tool.config.inputSchema
      ? (z.toJSONSchema(z.object(tool.config.inputSchema), { target: 'draft-2020-12', io: 'input' }) as Record<string, unknown>)
      : { type: 'object' };
    schemas.set(tool, schema);
  }
  return schema;
}

/**
 * The guard's tools as 2026-07-28 tools/list entries, built once per tool set rather than per request (each
 * request gets a fresh server). No task support is advertised: on this revision the server decides.
 */
export function toolListOf(guard: Guard): () => Array<Record<string, unknown>> {
  let list: Array<Record<string, unknown>> | undefined;
  guard.onToolRegistered(() => {
    list = undefined;
  });
  return () => (list ??= [...guard.tools()].map((tool) => ({
    name: tool.name,
    ...(tool.config.title !== undefined ? { title: tool.config.title } : {}),
    ...(tool.config.description !== undefined ? { description: tool.config.description } : {}),
    inputSchema: inputSchemaOf(tool),
    ...(tool.config.annotations !== undefined ? { annotations: tool.config.annotations } : {}),
  })));
}
