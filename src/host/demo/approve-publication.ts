import path from 'node:path';
import type { InputQuestion } from '../../guard/tools.js';
import { z } from 'zod';
import type { Taskguard } from '../../wire/v2025/taskguard.js';
import { MAX_DOCUMENT_BYTES } from './convert-document.js';
import { errorResult, okResult, refusalsAsResults, relativePath } from './results.js';
import { safeName, type Workspace } from './workspace.js';

const NOTE_CHARS = 500;
const shape = { source: relativePath };
const schema = z.object(shape);

const APPROVAL_SCHEMA: InputQuestion['requestedSchema'] = {
  type: 'object',
  properties: {
    approve: { type: 'boolean', title: 'Publish?' },
    note: { type: 'string', maxLength: NOTE_CHARS },
  },
  required: ['approve'],
};

/** Asks the requestor mid-task whether to publish a workspace file; copies it to published/ only on yes. */
export function registerApprovePublication(guard: Taskguard, workspace: Workspace): void {
  guard.registerTool('approve_publication', {
    title: 'Approve publication',
    description: 'Asks for approval, then copies a workspace file to published/. Runs as a task (it waits for input).',
    inputSchema: shape,
  }, (args, ctx) => refusalsAsResults(async () => {
    const { source } = schema.parse(args);
    if (!ctx.task) return errorResult('approve_publication runs only as a task: it waits for the approver\'s answer');
    // Read before asking: what gets published is exactly what was shown for approval, even if the file
    // changes while the task waits.
    const file = await workspace.readFile(source, MAX_DOCUMENT_BYTES);
    const answer = await ctx.task.requestInput({
      message: `Publish ${file.rel} (${file.content.length} bytes) to published/?`,
      requestedSchema: APPROVAL_SCHEMA,
    });
    ctx.signal.throwIfAborted();
    const rawNote = answer.content?.['note'];
    const note = typeof rawNote === 'string' ? rawNote.slice(0, NOTE_CHARS) : undefined;
    const withNote = (text: string): string => (note ? `${text} (note: ${note})` : text);

    if (answer.action !== 'accept' || answer.content?.['approve'] !== true) {
      const why = answer.action === 'accept' ? 'not approved' : answer.action === 'decline' ? 'declined' : 'cancelled';
      return okResult(withNote(`${file.rel} was not published: ${why}`), {
        published: null, source: file.rel, reason: why, ...(note ? { note } : {}),
      });
    }

    const published = await workspace.writeAtomic('published', safeName(path.posix.basename(file.rel)), ctx.signal, (out) => out.write(file.content));
    return okResult(withNote(`published ${file.rel} as ${published}`), { published, source: file.rel, ...(note ? { note } : {}) });
  }));
}
