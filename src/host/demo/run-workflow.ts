import { z } from 'zod';
import { isGuardDenial } from '../../guard/denials.js';
import { jsonRpcErrorOf } from '../../guard/tool-errors.js';
import type { Taskguard } from '../../wire/v2025/taskguard.js';
import type { ToolContext, ToolResult } from '../../guard/tools.js';
import { okResult } from './results.js';
import { SAMPLE_PATH } from './sample-handbook.js';

export const MAX_STEPS = 10;

const step = z.object({
  tool: z.string().min(1).max(64),
  args: z.record(z.string().max(64), z.unknown()).optional(),
  /** A required step that fails stops the workflow; others are recorded and the workflow goes on. */
  required: z.boolean().optional(),
});
type Step = z.infer<typeof step>;

export const RECIPES = {
  'quarterly-report': [
    { tool: 'lookup', args: { q: 'quarterly report' } },
    { tool: 'export_data', args: { dataset: 'orders', rows: 5000, format: 'csv' } },
    { tool: 'convert_document', args: { source: SAMPLE_PATH, to: 'html' } },
  ],
} as const satisfies Record<string, readonly Step[]>;
const RECIPE_NAMES = Object.keys(RECIPES) as [keyof typeof RECIPES];

const shape = {
  steps: z.array(step).min(1).max(MAX_STEPS).optional(),
  recipe: z.enum(RECIPE_NAMES).optional(),
};
const schema = z.object(shape);

export type StepStatus = 'ok' | 'error' | 'denied' | 'skipped';

export interface StepOutcome {
  tool: string;
  status: StepStatus;
  required: boolean;
  message: string;
}

/** Error codes that mean the guard refused the step (as opposed to the step running and failing). */
const MESSAGE_CHARS = 500;

/**
 * Runs steps (given, or a named recipe) one after another through ctx.callTool, so each one is decided by
 * the guard as a `chain` against the task's creation scopes. Every outcome is kept; a refused or failing
 * step stops the rest only when it is marked required.
 */
export function registerRunWorkflow(guard: Taskguard): void {
  guard.registerTool('run_workflow', {
    title: 'Run workflow',
    description: `Runs up to ${MAX_STEPS} tool calls in order, or a recipe (${RECIPE_NAMES.join(', ')}), reporting each step.`,
    inputSchema: shape,
  }, async (args, ctx) => {
    const { steps, recipe } = schema.parse(args);
    if ((steps === undefined) === (recipe === undefined)) {
      return { content: [{ type: 'text', text: 'give either steps or recipe, not both or neither' }], isError: true };
    }
    const plan: readonly Step[] = recipe ? RECIPES[recipe] : steps ?? [];
    const outcomes: StepOutcome[] = [];
    let stopped = false;
    for (const [i, current] of plan.entries()) {
      const required = current.required === true;
      const label = `step ${i + 1}/${plan.length} ${current.tool}`;
      if (stopped) {
        outcomes.push({ tool: current.tool, status: 'skipped', required, message: 'an earlier required step failed' });
        continue;
      }
      ctx.signal.throwIfAborted();
      await ctx.task?.setStatusMessage(`${label}: running`);
      const outcome = await runStep(ctx, current);
      outcomes.push({ tool: current.tool, required, ...outcome });
      await ctx.task?.setStatusMessage(`${label}: ${outcome.status}`);
      if (required && outcome.status !== 'ok') stopped = true;
    }
    const ok = outcomes.filter((o) => o.status === 'ok').length;
    const lines = outcomes.map((o, i) => `${i + 1}. ${o.tool}: ${o.status}${o.message ? ` - ${o.message}` : ''}`);
    const result = okResult([`workflow${recipe ? ` ${recipe}` : ''}: ${ok}/${outcomes.length} steps ok`, ...lines].join('\n'), {
      ...(recipe ? { recipe } : {}), ok, steps: outcomes,
    });
    return stopped ? { ...result, isError: true } : result;
  });
}

async function runStep(ctx: ToolContext, current: Step): Promise<Pick<StepOutcome, 'status' | 'message'>> {
  try {
    const result = await ctx.callTool(current.tool, current.args ?? {});
    return { status: result.isError ? 'error' : 'ok', message: firstText(result) };
  } catch (err) {
    // Our own cancellation or expiry is not a step outcome: stop the whole workflow.
    if (ctx.signal.aborted) throw err;
    if (isGuardDenial(err)) {
      const { denial } = err;
      const reasons = denial.kind === 'access_denied' ? denial.reasons : [];
      const refused = denial.kind === 'access_denied' || denial.kind === 'step_up' || denial.kind === 'task_support';
      return { status: refused ? 'denied' : 'error', message: `${err.message}${reasons.length ? ` (${reasons.join(', ')})` : ''}` };
    }
    // A tool's own JSON-RPC error (an McpError, say): its message is meant for the caller.
    const rpc = jsonRpcErrorOf(err);
    if (rpc) return { status: 'error', message: rpc.message };
    return { status: 'error', message: 'the tool failed' };
  }
}

function firstText(result: ToolResult): string {
  const first = result.content.find((c) => c.type === 'text');
  return typeof first?.['text'] === 'string' ? first['text'].split('\n')[0]?.slice(0, MESSAGE_CHARS) ?? '' : '';
}
