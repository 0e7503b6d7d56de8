import type { Operation, StepUpObligation } from '../decision/types.js';
import type { Decided } from './core.js';
import { denialOf } from './decision-denials.js';
import type { Predecided } from './predecided.js';

/** What a transport learns from predecide. */
export interface Predecision {
  /** Set when the answer is step-up: the transport challenges (HTTP 401) and the operation never runs. */
  stepUp?: StepUpObligation;
  /** Otherwise, the decision taken, for the operation to use instead of deciding again. */
  predecided?: Predecided;
}

/** Step-up when that is what the decision means (as the operation would read it), else the decision to hand on. */
export function answer(op: Operation, decided: Decided, context: Parameters<typeof denialOf>[2], predecided: Predecided | undefined): Predecision {
  if (!decided.decision.allow) {
    const { denial } = denialOf(op, decided.decision, context);
    if (denial.kind === 'step_up') return { stepUp: denial.obligation };
  }
  return predecided ? { predecided } : {};
}
