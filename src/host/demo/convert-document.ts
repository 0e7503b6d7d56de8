import path from 'node:path';
import { z } from 'zod';
import type { Taskguard } from '../../wire/v2025/taskguard.js';
import { blockToHtml, blockToText, headingText, HTML_TAIL, htmlHead, parseMarkdown, parsePlainText, type Block } from './markdown.js';
import { checkpoint, errorResult, okResult, refusalsAsResults, relativePath } from './results.js';
import { checkRelative, safeName, type Workspace } from './workspace.js';

export const MAX_DOCUMENT_BYTES = 2 * 1024 * 1024;
/** Status updates per conversion at most: each one is a store write, an audit record and a notification. */
const MAX_PROGRESS_UPDATES = 50;

const MARKDOWN = new Set(['.md', '.markdown']);
const PLAIN = new Set(['.txt', '.text']);

const shape = { source: relativePath, to: z.enum(['html', 'text']) };
const schema = z.object(shape);

/** Converts a Markdown or plain-text file of the workspace to converted/<name>.<html|txt>, block by block. */
export function registerConvertDocument(guard: Taskguard, workspace: Workspace): void {
  guard.registerTool('convert_document', {
    title: 'Convert document',
    description: 'Converts a Markdown (.md) or plain-text (.txt) file of the workspace to HTML or plain text in converted/.',
    inputSchema: shape,
  }, (args, ctx) => refusalsAsResults(async () => {
    const { source, to } = schema.parse(args);
    checkRelative(source); // path refusals first: they say more than "wrong extension" would
    const ext = path.posix.extname(source).toLowerCase();
    if (!MARKDOWN.has(ext) && !PLAIN.has(ext)) return errorResult(`${source}: only .md, .markdown, .txt and .text files can be converted`);
    const file = await workspace.readFile(source, MAX_DOCUMENT_BYTES);
    const text = file.content.toString('utf8');
    const blocks = MARKDOWN.has(ext) ? parseMarkdown(text) : parsePlainText(text);
    const stem = path.posix.basename(file.rel, path.posix.extname(file.rel));
    const every = Math.max(1, Math.ceil(blocks.length / MAX_PROGRESS_UPDATES));

    let bytes = 0;
    const output = await workspace.writeAtomic('converted', `${safeName(stem)}.${to === 'html' ? 'html' : 'txt'}`, ctx.signal, async (out) => {
      if (to === 'html') await out.write(Buffer.from(htmlHead(titleOf(blocks, stem))));
      for (const [i, block] of blocks.entries()) {
        await checkpoint(ctx.signal);
        const rendered = to === 'html' ? `${blockToHtml(block)}\n` : `${i > 0 ? '\n' : ''}${blockToText(block)}\n`;
        await out.write(Buffer.from(rendered));
        const done = i + 1;
        if (done % every === 0 || done === blocks.length) await ctx.task?.setStatusMessage(`converted ${done}/${blocks.length} blocks`);
      }
      if (to === 'html') await out.write(Buffer.from(HTML_TAIL));
      bytes = out.bytes;
    });

    return okResult(`converted ${file.rel} to ${output} (${blocks.length} blocks, ${bytes} bytes)`, { file: output, blocks: blocks.length, bytes });
  }));
}

function titleOf(blocks: readonly Block[], fallback: string): string {
  for (const block of blocks) {
    const heading = headingText(block);
    if (heading) return heading;
  }
  return fallback;
}
