import { TaskguardError } from '../errors.js';
import { InputRequired, isInputRequired, type InputRounds, type RoundState } from './rounds.js';
import type { GatherInput, InputQuestion, TaskControl } from './tools.js';

/** More rounds than any form needs: a gather that never returns fails its task rather than asking forever. */
const MAX_GATHER_ROUNDS = 16;

/**
 * 2025-11-25: a tool's gather, run inside its task (the client asked for the task up front, so there is no
 * round before it). Each round's elicitation requests become the task's questions, answered one at a time
 * through tasks/result; other kinds of request have no 2025-11-25 task form and fail the task.
 */
export async function gatherInTask(gather: GatherInput, args: Record<string, unknown>, task: TaskControl, signal: AbortSignal): Promise<RoundState> {
  let responses: Record<string, unknown> = {};
  let state: RoundState | undefined;
  for (let round = 1; round <= MAX_GATHER_ROUNDS; round++) {
    const rounds: InputRounds = {
      round, responses, state,
      // A 2025-11-25 task can ask its requestor by elicitation only.
      declares: (capability) => capability === 'elicitation',
      ask(requests, kept) {
        throw new InputRequired(requests, kept);
      },
    };
    try {
      return await gather(args, rounds);
    } catch (err) {
      if (!isInputRequired(err)) throw err;
      signal.throwIfAborted();
      responses = {};
      for (const [key, request] of Object.entries(err.requests)) {
        if (request.method !== 'elicitation/create') throw new TaskguardError('usage', `a 2025-11-25 task can ask only by elicitation, not ${request.method}`);
        const { message, requestedSchema } = request.params;
        responses[key] = await task.requestInput({ message: String(message), requestedSchema: requestedSchema as InputQuestion['requestedSchema'] });
      }
      state = err.state;
    }
  }
  throw new TaskguardError('usage', `gathering input took more than ${MAX_GATHER_ROUNDS} rounds`);
}
