import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Taskguard } from '../../wire/v2025/taskguard.js';
import { csvLine, DATASET_NAMES, DATASETS, jsonLine, seededRandom, seedOf } from './datasets.js';
import { checkpoint, okResult, refusalsAsResults } from './results.js';
import type { Workspace } from './workspace.js';

/** Rows generated and written per unit of work; progress, cancellation and yielding happen between chunks. */
export const EXPORT_CHUNK_ROWS = 5000;
export const EXPORT_MAX_ROWS = 200_000;

const shape = {
  dataset: z.enum(DATASET_NAMES),
  rows: z.number().int().min(1).max(EXPORT_MAX_ROWS),
  format: z.enum(['csv', 'jsonl']),
};
const schema = z.object(shape);

/**
 * Streams a deterministic dataset to exports/<dataset>-<id>.<csv|jsonl>, chunk by chunk. Each call writes
 * its own file: a task's is named by its task id, a plain call's by a random `call-<uuid>`. A shared name
 * would let one caller's export replace another's, and a result naming it would point at someone else's
 * data; an unguessable name per call is as hard to find as a task id, and carries no one's identity.
 */
export function registerExportData(guard: Taskguard, workspace: Workspace): void {
  guard.registerTool('export_data', {
    title: 'Export data',
    description: `Exports a built-in dataset (${DATASET_NAMES.join(', ')}) as CSV or JSON Lines to the workspace's exports/ folder.`,
    inputSchema: shape,
  }, (args, ctx) => refusalsAsResults(async () => {
    const { dataset, rows, format } = schema.parse(args);
    const { columns, row } = DATASETS[dataset];
    const random = seededRandom(seedOf(dataset));
    const hash = createHash('sha256');
    const name = `${dataset}-${ctx.task?.id ?? `call-${randomUUID()}`}.${format}`;
    let bytes = 0;

    const file = await workspace.writeAtomic('exports', name, ctx.signal, async (out) => {
      const put = async (text: string): Promise<void> => {
        const data = Buffer.from(text, 'utf8');
        hash.update(data);
        await out.write(data);
      };
      if (format === 'csv') await put(csvLine(columns));
      for (let start = 0; start < rows; start += EXPORT_CHUNK_ROWS) {
        await checkpoint(ctx.signal);
        const end = Math.min(rows, start + EXPORT_CHUNK_ROWS);
        const lines: string[] = [];
        for (let i = start; i < end; i++) {
          const cells = row(i, random);
          lines.push(format === 'csv' ? csvLine(cells) : jsonLine(columns, cells));
        }
        await put(lines.join(''));
        await ctx.task?.setStatusMessage(`exported ${end}/${rows} rows`);
      }
      bytes = out.bytes;
    });

    const sha256 = hash.digest('hex');
    return okResult(`exported ${rows} ${dataset} rows as ${format} to ${file} (${bytes} bytes, sha256 ${sha256})`, {
      file, rows, bytes, sha256,
    });
  }));
}
