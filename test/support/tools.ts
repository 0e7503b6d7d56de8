import { z } from 'zod';
import type { Taskguard } from '../../src/wire/v2025/taskguard.js';
import type { Gates } from './gates.js';

/**
 * Tools named as in policies/data.yaml, small but real: each returns what it computed from its arguments,
 * and an optional `gate` holds it until the test releases it.
 */
export function registerTestTools(guard: Taskguard, gates: Gates): void {
  const gate = { gate: z.string().max(100).optional() };
  const hold = async (args: Record<string, unknown>, signal: AbortSignal): Promise<void> => {
    if (typeof args['gate'] === 'string') await gates.wait(args['gate'], signal);
  };

  guard.registerTool('export_data', { description: 'export rows', inputSchema: { rows: z.number().int().min(0).max(10000), ...gate } }, async (args, ctx) => {
    await hold(args, ctx.signal);
    const rows = Array.from({ length: args['rows'] as number }, (_, i) => `row-${i}`);
    return { content: [{ type: 'text', text: `exported ${rows.length} rows for ${ctx.principal.sub}` }], structuredContent: { rows: rows.length } };
  });

  const failing = { fail: z.enum(['result', 'throw']).optional() };
  guard.registerTool('convert_document', { description: 'convert text', inputSchema: { text: z.string().max(10000), ...gate, ...failing } }, async (args, ctx) => {
    await ctx.task?.setStatusMessage('converting');
    await hold(args, ctx.signal);
    // A tool that fails the two ways a tool can: an isError result, or an exception carrying internals.
    if (args['fail'] === 'result') return { content: [{ type: 'text', text: 'could not convert: bad input' }], isError: true };
    if (args['fail'] === 'throw') throw new Error('ENOENT: /srv/secret/path/tool.js');
    return { content: [{ type: 'text', text: (args['text'] as string).toUpperCase() }] };
  });

  guard.registerTool('lookup', { description: 'quick lookup', inputSchema: { q: z.string().max(200) } }, async (args) => ({
    content: [{ type: 'text', text: `answer to ${args['q'] as string}` }],
  }));

  guard.registerTool('run_workflow', {
    description: 'chains other tools',
    inputSchema: { steps: z.array(z.object({ tool: z.string(), args: z.record(z.string(), z.unknown()).optional() })).max(10), ...gate },
  }, async (args, ctx) => {
    await hold(args, ctx.signal);
    const outputs: string[] = [];
    for (const step of args['steps'] as Array<{ tool: string; args?: Record<string, unknown> }>) {
      try {
        const result = await ctx.callTool(step.tool, step.args ?? {});
        const first = result.content[0];
        outputs.push(`${step.tool}: ${first?.type === 'text' ? first.text : 'ok'}`);
      } catch (err) {
        outputs.push(`${step.tool}: denied (${err instanceof Error ? err.message : String(err)})`);
      }
    }
    return { content: [{ type: 'text', text: outputs.join('\n') }] };
  });

  guard.registerTool('approve_publication', { description: 'asks for approval', inputSchema: { title: z.string().max(200), ...gate } }, async (args, ctx) => {
    await hold(args, ctx.signal);
    if (!ctx.task) return { content: [{ type: 'text', text: 'needs a task' }], isError: true };
    const answer = await ctx.task.requestInput({
      message: `publish ${args['title'] as string}?`,
      requestedSchema: { type: 'object', properties: { approve: { type: 'boolean' } }, required: ['approve'] },
    });
    const approved = answer.action === 'accept' && answer.content?.['approve'] === true;
    return { content: [{ type: 'text', text: `${approved ? 'approved' : 'rejected'} ${args['title'] as string}` }] };
  });
}
