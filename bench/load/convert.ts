import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { Rng } from '../lib/rng.js';

/**
 * The one task tool both server configurations serve: convert_document (task_support required, scope
 * docs:convert in policies/data.yaml). It does a small real conversion (a few KB of Markdown-ish text to
 * HTML, then a digest) and then waits a seeded 50-150 ms, so a task stays `working` for a few polls. The load
 * run measures the host around the tool, not the tool, so the work is deliberately light and identical.
 */
export const TOOL_NAME = 'convert_document';
export const TOOL_DESCRIPTION = 'converts a generated Markdown document to HTML (load benchmark)';

export const convertShape = {
  doc: z.string().min(1).max(100),
  bytes: z.number().int().min(256).max(65_536),
};

const WORDS = ['task', 'guard', 'policy', 'tenant', 'binding', 'audit', 'result', 'poll', 'owner', 'scope', 'token', 'status'];
const MIN_DELAY_MS = 50;
const MAX_DELAY_MS = 150;

/** Server side: one seeded delay stream per process, so both configurations draw the same delays in order. */
export function createConverter(seed: number): (args: { doc: string; bytes: number }, signal?: AbortSignal) => Promise<CallToolResult> {
  const delays = new Rng(seed);
  return async ({ doc, bytes }, signal) => {
    const delayMs = delays.int(MIN_DELAY_MS, MAX_DELAY_MS);
    const html = toHtml(generateMarkdown(doc, bytes));
    const digest = createHash('sha256').update(html).digest('hex').slice(0, 16);
    await sleep(delayMs, undefined, signal ? { signal } : {});
    return { content: [{ type: 'text', text: resultText(doc, bytes, html.length, digest) }] };
  };
}

/** What a client checks in the result: it names the document this task was created for. */
export function resultMarker(doc: string): string {
  return `converted ${doc}:`;
}

function resultText(doc: string, bytes: number, outBytes: number, digest: string): string {
  return `${resultMarker(doc)} ${bytes} -> ${outBytes} bytes, sha256 ${digest}`;
}

/** A deterministic document of about `bytes` characters: headings, paragraphs and list items. */
function generateMarkdown(doc: string, bytes: number): string {
  let seed = 0;
  for (let i = 0; i < doc.length; i++) seed = (Math.imul(seed, 31) + doc.charCodeAt(i)) >>> 0;
  const rng = new Rng(seed);
  const lines: string[] = [];
  let size = 0;
  while (size < bytes) {
    const kind = rng.int(0, 9);
    const words = Array.from({ length: rng.int(4, 14) }, () => rng.pick(WORDS)).join(' ');
    const line = kind === 0 ? `# ${words}` : kind < 4 ? `- ${words} <${rng.hex(4)}> & more` : words;
    lines.push(line);
    size += line.length + 1;
  }
  return lines.join('\n');
}

function toHtml(markdown: string): string {
  const out: string[] = [];
  let inList = false;
  for (const line of markdown.split('\n')) {
    const item = line.startsWith('- ');
    if (inList && !item) out.push('</ul>');
    if (!inList && item) out.push('<ul>');
    inList = item;
    if (line.startsWith('# ')) out.push(`<h1>${escapeHtml(line.slice(2))}</h1>`);
    else if (item) out.push(`<li>${escapeHtml(line.slice(2))}</li>`);
    else out.push(`<p>${escapeHtml(line)}</p>`);
  }
  if (inList) out.push('</ul>');
  return out.join('\n');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'));
}
