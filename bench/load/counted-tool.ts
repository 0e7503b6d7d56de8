import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { createConverter } from './convert.js';

export interface CountedTool {
  run(args: { doc: string; bytes: number }, signal?: AbortSignal): Promise<CallToolResult>;
  counters(): { toolRuns: number; toolFailures: number };
}

/** convert_document with the run and failure counts every server configuration reports. */
export function countedConverter(seed: number): CountedTool {
  const convert = createConverter(seed);
  let toolRuns = 0;
  let toolFailures = 0;
  return {
    async run(args, signal) {
      toolRuns += 1;
      try {
        return await convert(args, signal);
      } catch (err) {
        toolFailures += 1;
        throw err;
      }
    },
    counters: () => ({ toolRuns, toolFailures }),
  };
}
