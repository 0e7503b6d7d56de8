import type { Taskguard } from '../wire/v2025/taskguard.js';
import { registerApprovePublication } from './demo/approve-publication.js';
import { registerConvertDocument } from './demo/convert-document.js';
import { registerExportData } from './demo/export-data.js';
import { registerLookup } from './demo/lookup.js';
import { registerRunWorkflow } from './demo/run-workflow.js';
import { writeSampleHandbook } from './demo/sample-handbook.js';
import { Workspace } from './demo/workspace.js';

export interface DemoToolsOptions {
  /** Folder the tools read and write; created if missing. Nothing outside it is ever touched. */
  workspaceDir: string;
}

/**
 * Registers the reference host's five demo tools (named as in policies/data.yaml, which decides who may run
 * them and how) on `guard`. They do real work on files in the workspace: exports/, converted/, published/,
 * and docs/ (seeded with docs/handbook.md when missing).
 */
export function registerDemoTools(guard: Taskguard, options: DemoToolsOptions): void {
  const workspace = Workspace.openSync(options.workspaceDir);
  writeSampleHandbook(workspace);
  registerExportData(guard, workspace);
  registerConvertDocument(guard, workspace);
  registerLookup(guard, workspace);
  registerRunWorkflow(guard);
  registerApprovePublication(guard, workspace);
}

export { SAMPLE_PATH } from './demo/sample-handbook.js';
export { DATASET_NAMES, type DatasetName } from './demo/datasets.js';
export { RECIPES, type StepOutcome, type StepStatus } from './demo/run-workflow.js';
