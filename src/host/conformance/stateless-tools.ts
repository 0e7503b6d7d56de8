import { TaskguardError } from '../../errors.js';
import type { InputRequest } from '../../guard/rounds.js';
import type { ToolContext, ToolResult } from '../../guard/tools.js';
import type { Taskguard } from '../../wire/v2025/taskguard.js';

const text = (value: string): ToolResult => ({ content: [{ type: 'text', text: value }] });

/**
 * Asks the caller once and returns the answer: in an input round on 2026-07-28 (the stateless stream
 * carries no server-to-client request), by a request on the call's own stream on 2025-11-25.
 */
async function askCaller(ctx: ToolContext, key: string, request: InputRequest): Promise<Record<string, unknown>> {
  if (ctx.rounds) {
    const answer = ctx.rounds.responses[key];
    if (typeof answer === 'object' && answer !== null) return answer as Record<string, unknown>;
    return ctx.rounds.ask({ [key]: request });
  }
  if (!ctx.peer || request.method === 'roots/list') throw new TaskguardError('usage', 'this tool talks to its caller and cannot run as a task');
  return ctx.peer.request(request.method, request.params);
}

/**
 * The diagnostic tools of the runner's server-stateless scenario (SEP-2575): one that needs a capability
 * the caller must declare (the guard refuses it with -32021 when the request did not), one that elicits (on
 * 2026-07-28 only as an input round, never as a request on the response stream), and one that would log to
 * a caller that asked for a log level (this tools-only host has no logging, so it never logs).
 */
export function registerStatelessTools(guard: Taskguard): void {
  guard.registerTool('test_missing_capability', {
    description: 'Asks the caller for a sampling completion: a request that did not declare sampling gets -32021 (server-stateless)',
    inputSchema: {},
  }, async (_args, ctx) => {
    const answer = await askCaller(ctx, 'completion', { method: 'sampling/createMessage', params: { messages: [{ role: 'user', content: { type: 'text', text: 'Say hello' } }], maxTokens: 20 } });
    const content = answer['content'] as { text?: unknown } | undefined;
    return text(`sampled: ${typeof content?.text === 'string' ? content.text : 'nothing'}`);
  });

  guard.registerTool('test_streaming_elicitation', {
    description: 'Elicits a confirmation from the caller; on 2026-07-28 as an input round, never a request on the stream (server-stateless)',
    inputSchema: {},
  }, async (_args, ctx) => {
    const answer = await askCaller(ctx, 'confirm', {
      method: 'elicitation/create',
      params: { mode: 'form', message: 'Continue?', requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] } },
    });
    return text(`elicitation: action=${String(answer['action'])}`);
  });

  guard.registerTool('test_logging_tool', {
    description: 'Would log to a caller that set a log level; this host has no logging, so it never sends notifications/message (server-stateless)',
    inputSchema: {},
    annotations: { readOnlyHint: true },
  }, () => Promise.resolve(text('done, and nothing logged: no log level was requested')));
}
