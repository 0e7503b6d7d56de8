import { TaskguardError } from '../../errors.js';
import type { InputRequest, InputRounds } from '../../guard/rounds.js';
import type { ToolContext, ToolResult } from '../../guard/tools.js';
import type { Taskguard } from '../../wire/v2025/taskguard.js';

const text = (value: string): ToolResult => ({ content: [{ type: 'text', text: value }] });

/** A tool whose input is asked for in rounds (MRTR): only a plain 2026-07-28 call has them. */
function roundsOf(ctx: ToolContext): InputRounds {
  if (!ctx.rounds) throw new TaskguardError('usage', 'this tool asks for input in rounds, which only a plain 2026-07-28 call has');
  return ctx.rounds;
}

const elicit = (message: string, field: string, type: 'string' | 'boolean'): InputRequest => ({
  method: 'elicitation/create',
  params: { mode: 'form', message, requestedSchema: { type: 'object', properties: { [field]: { type } }, required: [field] } },
});

const sample = (prompt: string, maxTokens: number): InputRequest => ({
  method: 'sampling/createMessage',
  params: { messages: [{ role: 'user', content: { type: 'text', text: prompt } }], maxTokens },
});

const LIST_ROOTS: InputRequest = { method: 'roots/list', params: {} };

/** An answered elicitation's field, or undefined (declined, missing, or the key never asked). */
function accepted(answer: unknown, field: string): unknown {
  if (typeof answer !== 'object' || answer === null) return undefined;
  const { action, content } = answer as { action?: unknown; content?: Record<string, unknown> };
  return action === 'accept' && typeof content === 'object' && content !== null ? content[field] : undefined;
}

function sampledText(answer: unknown): string | undefined {
  const content = typeof answer === 'object' && answer !== null ? (answer as { content?: { text?: unknown } }).content : undefined;
  return typeof content?.text === 'string' ? content.text : undefined;
}

function rootUris(answer: unknown): string[] | undefined {
  const roots = typeof answer === 'object' && answer !== null ? (answer as { roots?: unknown }).roots : undefined;
  if (!Array.isArray(roots)) return undefined;
  return roots.map((root) => String((root as { uri?: unknown }).uri));
}

interface RoundTool {
  name: string;
  description: string;
  run(rounds: InputRounds): ToolResult;
}

/**
 * The fixtures of the runner's input-required-result-* scenarios (SEP-2322): each asks in rounds and
 * answers once it has what it asked for; a retry without a valid round's answers is asked again (the
 * missing-input-response scenario). The request state is the guard's, sealed for the caller, tool and
 * arguments: the tampered-state scenario's edit is refused before any tool runs.
 */
const ROUND_TOOLS: readonly RoundTool[] = [
  {
    name: 'test_input_required_result_elicitation',
    description: 'Asks for a name by elicitation (user_name), then greets (input-required-result-basic-elicitation)',
    run(rounds) {
      const name = accepted(rounds.responses['user_name'], 'name');
      if (typeof name !== 'string') return rounds.ask({ user_name: elicit('What is your name?', 'name', 'string') });
      return text(`Hello, ${name}!`);
    },
  },
  {
    name: 'test_input_required_result_sampling',
    description: 'Asks for a completion by sampling (capital_question), then returns it (input-required-result-basic-sampling)',
    run(rounds) {
      const answer = sampledText(rounds.responses['capital_question']);
      if (answer === undefined) return rounds.ask({ capital_question: sample('What is the capital of France?', 100) });
      return text(`LLM response: ${answer}`);
    },
  },
  {
    name: 'test_input_required_result_list_roots',
    description: 'Asks for the client roots (client_roots), then lists them (input-required-result-basic-list-roots)',
    run(rounds) {
      const roots = rootUris(rounds.responses['client_roots']);
      if (roots === undefined) return rounds.ask({ client_roots: LIST_ROOTS });
      return text(`roots: ${roots.join(', ')}`);
    },
  },
  {
    name: 'test_input_required_result_request_state',
    description: 'Asks for confirmation with state kept for the retry, then says state-ok (input-required-result-request-state)',
    run(rounds) {
      const ok = accepted(rounds.responses['confirm'], 'ok');
      if (ok === undefined || rounds.state !== 'confirm-asked') return rounds.ask({ confirm: elicit('Please confirm', 'ok', 'boolean') }, 'confirm-asked');
      return text(`state-ok: confirmed=${String(ok)}`);
    },
  },
  {
    name: 'test_input_required_result_multiple_inputs',
    description: 'Asks for a name, a sampled greeting and the roots at once (input-required-result-multiple-input-requests)',
    run(rounds) {
      const name = accepted(rounds.responses['user_name'], 'name');
      const greeting = sampledText(rounds.responses['greeting']);
      const roots = rootUris(rounds.responses['client_roots']);
      if (typeof name !== 'string' || greeting === undefined || roots === undefined) {
        return rounds.ask({ user_name: elicit('What is your name?', 'name', 'string'), greeting: sample('Generate a greeting', 50), client_roots: LIST_ROOTS }, 'all-three');
      }
      return text(`${greeting} ${name} (roots: ${roots.join(', ')})`);
    },
  },
  {
    name: 'test_input_required_result_multi_round',
    description: 'Asks for a name, then a favourite colour, keeping the name in the state (input-required-result-multi-round)',
    run(rounds) {
      const kept = rounds.state;
      if (typeof kept === 'object' && kept !== null && !Array.isArray(kept) && typeof kept['name'] === 'string') {
        const color = accepted(rounds.responses['step2'], 'color');
        if (typeof color !== 'string') return rounds.ask({ step2: elicit('Step 2: What is your favorite color?', 'color', 'string') }, kept);
        return text(`${kept['name']} likes ${color}`);
      }
      const name = accepted(rounds.responses['step1'], 'name');
      if (typeof name !== 'string') return rounds.ask({ step1: elicit('Step 1: What is your name?', 'name', 'string') }, { step: 1 });
      return rounds.ask({ step2: elicit('Step 2: What is your favorite color?', 'color', 'string') }, { step: 2, name });
    },
  },
  {
    name: 'test_input_required_result_tampered_state',
    description: 'Asks for confirmation with an integrity-protected state; an edited state is refused (input-required-result-tampered-state)',
    run(rounds) {
      const ok = accepted(rounds.responses['confirm'], 'ok');
      if (ok === undefined) return rounds.ask({ confirm: elicit('Please confirm', 'ok', 'boolean') }, 'confirm-asked');
      return text(`confirmed=${String(ok)}`);
    },
  },
  {
    name: 'test_input_required_result_capabilities',
    description: 'Asks only for what the request declared it can answer (input-required-result-capability-check)',
    run(rounds) {
      const asked = Object.keys(rounds.responses);
      if (asked.length > 0) return text(`answered: ${asked.join(', ')}`);
      const requests: Record<string, InputRequest> = {};
      if (rounds.declares('sampling')) requests['greeting'] = sample('Generate a greeting', 50);
      if (rounds.declares('elicitation')) requests['user_name'] = elicit('What is your name?', 'name', 'string');
      if (rounds.declares('roots')) requests['client_roots'] = LIST_ROOTS;
      if (Object.keys(requests).length === 0) return text('the request declared no capability to ask with');
      return rounds.ask(requests);
    },
  },
];

/** Tools that ask for input in rounds on a plain 2026-07-28 call (multi-round-trip requests). */
export function registerRoundTools(guard: Taskguard): void {
  for (const tool of ROUND_TOOLS) {
    guard.registerTool(tool.name, { description: tool.description, inputSchema: {} }, (_args, ctx) => Promise.resolve().then(() => tool.run(roundsOf(ctx))));
  }
}

export const ROUND_TOOL_NAMES: readonly string[] = ROUND_TOOLS.map((t) => t.name);
