import { z } from 'zod';
import type { Taskguard } from '../../wire/v2025/taskguard.js';
import { DocsIndex, terms } from './docs-index.js';
import { errorResult, okResult, refusalsAsResults } from './results.js';
import type { Workspace } from './workspace.js';

const HITS = 10;
const shape = { q: z.string().min(1).max(200).describe('words to find, all of them on one line') };
const schema = z.object(shape);

/** Finds lines of docs/*.md containing every word of `q`; meant to be answered inline (policy forbids tasks). */
export function registerLookup(guard: Taskguard, workspace: Workspace): void {
  const index = new DocsIndex(workspace);
  guard.registerTool('lookup', {
    title: 'Look up the docs',
    description: 'Finds the lines of the workspace docs (docs/*.md) that contain every word of q.',
    inputSchema: shape,
    annotations: { readOnlyHint: true },
  }, (args, ctx) => refusalsAsResults(async () => {
    const { q } = schema.parse(args);
    if (terms(q).length === 0) return errorResult('q has no words to look up');
    const answer = await index.search(q, HITS);
    ctx.signal.throwIfAborted();
    const lines = answer.hits.map((h) => `${h.file}:${h.line}: ${h.text}`);
    const summary = `${answer.lines} matching line${answer.lines === 1 ? '' : 's'} for "${q}"`;
    return okResult([summary, ...lines].join('\n'), { q, ...answer });
  }));
}
