import type { Decider } from '../decision/engine.js';
import { failClosed } from '../decision/parse.js';
import { TaskguardError } from '../errors.js';
import { ENGINE_REASONS } from '../decision/types.js';

/**
 * What a host serves before its first bundle arrives from a bundle service (nothing persisted, the service
 * not answering): every decision fails closed, derived views (tools, limits, scopes) are empty, and the
 * host reports itself not ready. `none` is recorded as the revision of the decisions it refuses.
 */
export const NO_POLICY: Decider = Object.freeze({
  revision: 'none',
  dataRevision: 'none',
  data: Object.freeze({}),
  decide: () => failClosed(ENGINE_REASONS.noDecision, 'no policy is active yet: waiting for the bundle service'),
  // No module, so no entrypoint besides the decision's (which fails closed above).
  entrypoints: Object.freeze([]),
  spawnEvaluator: () => () => {
    throw new TaskguardError('bundle_invalid', 'no policy is active yet: waiting for the bundle service');
  },
});
