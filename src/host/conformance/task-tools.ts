import { z } from 'zod';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { TaskguardError } from '../../errors.js';
import type { Taskguard } from '../../wire/v2025/taskguard.js';
import type { InputAnswer, TaskControl, ToolContext, ToolResult } from '../../guard/tools.js';

const text = (value: string, isError = false): ToolResult => ({ content: [{ type: 'text', text: value }], ...(isError ? { isError: true } : {}) });

/** Waits `ms`, or rejects as soon as the call or task is cancelled, so a cancelled task settles as cancelled. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    signal.throwIfAborted();
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    }, { once: true });
  });
}

function taskOf(ctx: ToolContext): TaskControl {
  if (!ctx.task) throw new TaskguardError('usage', 'this tool asks for input and runs only as a task');
  return ctx.task;
}

const confirmation = (message: string): Parameters<TaskControl['requestInput']>[0] => ({
  message,
  requestedSchema: { type: 'object', properties: { confirm: { type: 'boolean', description: 'yes to go ahead' } }, required: ['confirm'] },
});

const accepted = (answer: InputAnswer): boolean => answer.action === 'accept' && answer.content?.['confirm'] === true;

/**
 * The fixtures of the runner's tasks-* scenarios (SEP-2663): a sync-only tool, a sleeper that settles as
 * cancelled when cancelled, a tool error and a protocol error after a task was created, a tool that parks
 * for an answer (input_required) and one that parks for two at once. Which of them may or must be a task is
 * in the policy data.
 */
export function registerTaskTools(guard: Taskguard): void {
  const greetShape = { name: z.string().describe('who to greet') };
  guard.registerTool('greet', { description: 'Returns Hello, {name}! inline; never a task', inputSchema: greetShape }, (args) => {
    const { name } = z.object(greetShape).parse(args);
    return Promise.resolve(text(`Hello, ${name}!`));
  });

  const computeShape = { seconds: z.number().min(0).max(60).describe('how long to work; 0 answers at once') };
  guard.registerTool('slow_compute', { description: 'Works for `seconds` seconds then answers; may run as a task', inputSchema: computeShape }, async (args, ctx) => {
    const { seconds } = z.object(computeShape).parse(args);
    await sleep(seconds * 1000, ctx.signal);
    return text(`computed for ${seconds} s`);
  });

  guard.registerTool('failing_job', { description: 'Must be a task; ends with a tool execution error after about a second', inputSchema: {} }, async (_args, ctx) => {
    await sleep(1000, ctx.signal);
    return text('failing_job failed on purpose', true);
  });

  guard.registerTool('protocol_error_job', { description: 'May run as a task; ends with a JSON-RPC error instead of a result', inputSchema: {} }, () => {
    // A JSON-RPC error is passed on with its code; anything else would become the guard's generic failure.
    return Promise.reject(new McpError(-32603, 'protocol_error_job failed on purpose'));
  });

  const deleteShape = { filename: z.string().describe('the file to pretend to delete') };
  guard.registerTool('confirm_delete', { description: 'Asks once for confirmation (input_required), then answers; runs as a task', inputSchema: deleteShape }, async (args, ctx) => {
    const { filename } = z.object(deleteShape).parse(args);
    const answer = await taskOf(ctx).requestInput(confirmation(`Delete ${filename}?`));
    return text(accepted(answer) ? `deleted ${filename}` : `kept ${filename}`);
  });

  // Gathers the name in rounds before the task exists (MRTR, then the task: tasks-mrtr-composition).
  const nameQuestion = { method: 'elicitation/create' as const, params: { mode: 'form', message: 'What is your name?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } } };
  guard.registerTool('test_tool_with_task', {
    description: 'Asks for user_name in an input round, then becomes a task that greets the name (tasks-mrtr-composition)',
    inputSchema: {},
    gather(_args, rounds) {
      const answer = rounds.responses['user_name'] as InputAnswer | undefined;
      const name = answer?.action === 'accept' ? answer.content?.['name'] : undefined;
      return typeof name === 'string' ? { name } : rounds.ask({ user_name: nameQuestion });
    },
  }, async (_args, ctx) => {
    await sleep(100, ctx.signal);
    const gathered = ctx.gathered as { name?: string } | undefined;
    return text(`Hello, ${gathered?.name ?? 'nobody'}, from a task`);
  });

  guard.registerTool('multi_input', { description: 'Asks two questions at once (two inputRequests pending), then answers with both; runs as a task', inputSchema: {} }, async (_args, ctx) => {
    const task = taskOf(ctx);
    const [name, go] = await Promise.all([
      task.requestInput({ message: 'What is your name?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } }),
      task.requestInput(confirmation('Go ahead?')),
    ]);
    const who = name.action === 'accept' && typeof name.content?.['name'] === 'string' ? name.content['name'] : 'nobody';
    return text(`${who}: ${accepted(go) ? 'went ahead' : 'stopped'}`);
  });

}
