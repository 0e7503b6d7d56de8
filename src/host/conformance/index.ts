import type { Taskguard } from '../../wire/v2025/taskguard.js';
import { registerContentTools } from './content-tools.js';
import { registerPeerTools } from './peer-tools.js';
import { registerRoundTools } from './round-tools.js';
import { registerStatelessTools } from './stateless-tools.js';
import { registerTaskTools } from './task-tools.js';

/**
 * Registers, in place of the demo tools, the fixture tools the official conformance runner's server
 * scenarios call (named as in config/conformance-data.yaml, which lets the dev identity run them).
 */
export function registerConformanceTools(guard: Taskguard): void {
  registerContentTools(guard);
  registerPeerTools(guard);
  registerTaskTools(guard);
  registerRoundTools(guard);
  registerStatelessTools(guard);
}
