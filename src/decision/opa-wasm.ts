import { createRequire } from 'node:module';
import type { LoadedPolicy, loadPolicySync as LoadPolicySyncFn } from '@open-policy-agent/opa-wasm';

export type { LoadedPolicy };

/**
 * opa-wasm 1.10's ESM entry exports only the async loadPolicy, although its typings also declare
 * loadPolicySync; the CommonJS entry has both. Synchronous loading keeps decider construction simple.
 */
const opaWasm = createRequire(import.meta.url)('@open-policy-agent/opa-wasm') as { loadPolicySync: typeof LoadPolicySyncFn };

export const loadPolicySync: typeof LoadPolicySyncFn = opaWasm.loadPolicySync;
