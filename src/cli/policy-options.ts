import { readBundle, type PolicyBundle } from '../decision/bundle.js';
import { loadPolicyData, validatePolicyData } from '../config/policy-data.js';
import type { OptionHelp } from './help.js';

/** `--policy DIR` (a compiled bundle) and `--data FILE` (policy data replacing the bundle's), shared by commands. */
export const policyOptions = {
  policy: { type: 'string' },
  data: { type: 'string' },
} as const;

export const policyOptionHelp: readonly OptionHelp[] = [
  ['--policy BUNDLE_DIR', 'a compiled bundle (default: the bundled policies/build)'],
  ['--data FILE', 'policy data replacing the bundle\'s own'],
];

export interface LoadedPolicyOptions {
  bundle: PolicyBundle;
  data: unknown;
}

export function loadPolicyOptions(values: { policy?: string | undefined; data?: string | undefined }): LoadedPolicyOptions {
  const bundle = readBundle(values.policy);
  const data = values.data ? loadPolicyData(values.data) : validatePolicyData(bundle.data, `${bundle.dir}/data.json`);
  return { bundle, data };
}
