import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { InMemoryTaskStore } from '@modelcontextprotocol/sdk/experimental/tasks';
import type { JWK } from 'jose';
import { createTokenVerifier, validateIdentityConfig } from '../../src/identity/index.js';
import { convertShape, createConverter, TOOL_DESCRIPTION, TOOL_NAME } from './convert.js';
import { AUDIENCE, ISSUER } from './identity.js';
import type { RunningServer } from './server.js';
import { createStockHost } from './stock-host.js';

/** Same as taskguard advertises, so clients see the same server either way. */
const TASK_CAPABILITIES = { tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } };
/** What convert_document's policy data says; the stock store takes it from the tool. */
const POLL_INTERVAL_MS = 500;

/**
 * guard OFF: the SDK's own task support. One McpServer per session; every Server gets the same
 * InMemoryTaskStore (so tasks/get, tasks/result and friends are the SDK's handlers in shared/protocol.js),
 * and the tool is registered with server.experimental.tasks.registerToolTask. The store binds a task to the
 * session that created it, nothing else: no policy, no identity binding, no audit.
 */
export async function startStockServer(options: { publicJwk: JWK; seed: number }): Promise<RunningServer> {
  const taskStore = new InMemoryTaskStore();
  const convert = createConverter(options.seed);
  let toolRuns = 0;
  let toolFailures = 0;

  const createMcpServer = (): McpServer => {
    const server = new McpServer({ name: 'taskguard-bench-load-stock', version: '1.0.0' }, { capabilities: TASK_CAPABILITIES, taskStore });
    server.experimental.tasks.registerToolTask(TOOL_NAME, {
      description: TOOL_DESCRIPTION,
      inputSchema: convertShape,
      execution: { taskSupport: 'required' },
    }, {
      async createTask(args, extra) {
        const task = await extra.taskStore.createTask({ ttl: extra.taskRequestedTtl ?? null, pollInterval: POLL_INTERVAL_MS });
        toolRuns += 1;
        // Background work, as the SDK's own examples do it: the request answers with the task at once.
        void (async () => {
          try {
            const result = await convert(args);
            await extra.taskStore.storeTaskResult(task.taskId, 'completed', result);
          } catch {
            toolFailures += 1;
          }
        })();
        return { task };
      },
      getTask: (_args, extra) => extra.taskStore.getTask(extra.taskId),
      // The store gives back what createTask's worker stored, which is a CallToolResult; its type is wider.
      getTaskResult: async (_args, extra) => (await extra.taskStore.getTaskResult(extra.taskId)) as CallToolResult,
    });
    return server;
  };

  const verifier = createTokenVerifier(validateIdentityConfig({ issuer: ISSUER, audience: AUDIENCE, keys: [options.publicJwk], algorithms: ['ES256'] }));
  const host = createStockHost(verifier, createMcpServer);
  const url = await host.listen();
  return {
    url,
    detail: 'SDK stock tasks: McpServer per session, shared InMemoryTaskStore, registerToolTask; bearer verification, no guard',
    counters: () => ({ toolRuns, toolFailures }),
    async close() {
      await host.close();
      taskStore.cleanup();
    },
  };
}
