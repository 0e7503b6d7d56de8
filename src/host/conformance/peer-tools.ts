import { z } from 'zod';
import { TaskguardError } from '../../errors.js';
import type { Taskguard } from '../../wire/v2025/taskguard.js';
import type { CallPeer, ToolContext, ToolResult } from '../../guard/tools.js';
import { SEP1034_DEFAULTS_SCHEMA, SEP1330_ENUMS_SCHEMA } from './elicitation-schemas.js';

const STEPS = [0, 50, 100];
const STEP_PAUSE_MS = 50;

const text = (value: string): ToolResult => ({ content: [{ type: 'text', text: value }] });

/** The handler of a tool that only makes sense with the caller on the line (a plain call, not a task). */
function peerOf(ctx: ToolContext): CallPeer {
  if (!ctx.peer) throw new TaskguardError('usage', 'this tool talks to its caller and cannot run as a task');
  return ctx.peer;
}

async function elicit(ctx: ToolContext, message: string, requestedSchema: Record<string, unknown>, label: string): Promise<ToolResult> {
  const answer = await peerOf(ctx).request('elicitation/create', { message, requestedSchema });
  return text(`${label}: action=${String(answer['action'])}, content=${JSON.stringify(answer['content'] ?? {})}`);
}

/**
 * Tools that reach back to their caller while they run: progress notifications, a sampling request and
 * elicitation requests (tools-call-with-progress, tools-call-sampling, tools-call-elicitation and the
 * SEP-1034 / SEP-1330 elicitation scenarios).
 */
export function registerPeerTools(guard: Taskguard): void {
  guard.registerTool('test_tool_with_progress', {
    description: 'Reports progress 0, 50 and 100 of 100 to a caller that sent a progress token (tools-call-with-progress)',
    inputSchema: {},
  }, async (_args, ctx) => {
    const peer = peerOf(ctx);
    for (const step of STEPS) {
      await peer.progress(step, 100, `Completed step ${step} of 100`);
      if (step !== 100) await new Promise((resolve) => setTimeout(resolve, STEP_PAUSE_MS));
    }
    return text('progress reported');
  });

  const promptShape = { prompt: z.string().describe('The prompt to send to the LLM') };
  guard.registerTool('test_sampling', {
    description: 'Asks the caller for an LLM completion of prompt, sampling/createMessage (tools-call-sampling)',
    inputSchema: promptShape,
  }, async (args, ctx) => {
    const { prompt } = z.object(promptShape).parse(args);
    const answer = await peerOf(ctx).request('sampling/createMessage', { messages: [{ role: 'user', content: { type: 'text', text: prompt } }], maxTokens: 100 });
    const content = answer['content'] as { text?: unknown } | undefined;
    return text(`LLM response: ${typeof content?.text === 'string' ? content.text : 'No response'}`);
  });

  const messageShape = { message: z.string().describe('The message to show the user') };
  guard.registerTool('test_elicitation', {
    description: 'Asks the caller for a response to message, elicitation/create (tools-call-elicitation)',
    inputSchema: messageShape,
  }, async (args, ctx) => {
    const { message } = z.object(messageShape).parse(args);
    const schema = { type: 'object', properties: { response: { type: 'string', description: "User's response" } }, required: ['response'] };
    return elicit(ctx, message, schema, 'User response');
  });

  guard.registerTool('test_elicitation_sep1034_defaults', {
    description: 'Elicits a form whose fields of every primitive type carry defaults (elicitation-sep1034-defaults)',
    inputSchema: {},
  }, (_args, ctx) => elicit(ctx, 'Please review and update the form fields with defaults', SEP1034_DEFAULTS_SCHEMA, 'Elicitation completed'));

  guard.registerTool('test_elicitation_sep1330_enums', {
    description: 'Elicits a form with the five enum variants of SEP-1330 (elicitation-sep1330-enums)',
    inputSchema: {},
  }, (_args, ctx) => elicit(ctx, 'Please select options from the enum fields', SEP1330_ENUMS_SCHEMA, 'Elicitation completed'));
}
