import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Workspace } from './workspace.js';

export interface DocsHit {
  file: string;
  line: number;
  text: string;
}

export interface DocsAnswer {
  terms: string[];
  /** Lines containing every term. */
  lines: number;
  /** Occurrences of each term across all documents. */
  occurrences: Record<string, number>;
  files: string[];
  hits: DocsHit[];
}

interface Built {
  signature: string;
  lines: DocsHit[];
  /** term -> ascending ids of the lines it occurs in (each line once). */
  postings: Map<string, number[]>;
  counts: Map<string, number>;
}

const MAX_FILES = 500;
const MAX_FILE_BYTES = 1024 * 1024;
const MAX_LINE_CHARS = 200;

export function terms(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);
}

/**
 * An inverted index over docs/*.md, rebuilt only when a file was added, removed or changed (by name, size
 * and mtime), so lookups stay fast inline calls.
 */
export class DocsIndex {
  #built: Built | undefined;

  constructor(private readonly workspace: Workspace) {}

  async search(query: string, limit: number): Promise<DocsAnswer> {
    const index = await this.#current();
    const wanted = [...new Set(terms(query))];
    const lists = wanted.map((t) => index.postings.get(t) ?? []);
    const matching = intersect(lists);
    const hits = matching.slice(0, limit).map((id) => index.lines[id]).filter((h): h is DocsHit => h !== undefined);
    return {
      terms: wanted,
      lines: matching.length,
      occurrences: Object.fromEntries(wanted.map((t) => [t, index.counts.get(t) ?? 0])),
      files: [...new Set(matching.map((id) => index.lines[id]?.file ?? ''))],
      hits,
    };
  }

  async #current(): Promise<Built> {
    const dir = await this.workspace.ensureDir('docs');
    // withFileTypes reports symlinks as such (no isFile): a link in docs/ is never followed.
    const entries = (await readdir(dir, { withFileTypes: true }))
      .filter((e) => e.isFile() && e.name.endsWith('.md'))
      .map((e) => e.name)
      .sort()
      .slice(0, MAX_FILES);
    const stats = await Promise.all(entries.map(async (name) => ({ name, info: await stat(path.join(dir, name)) })));
    const signature = stats.map(({ name, info }) => `${name}\0${info.size}\0${info.mtimeMs}`).join('\n');
    if (this.#built?.signature === signature) return this.#built;

    const built: Built = { signature, lines: [], postings: new Map(), counts: new Map() };
    for (const { name, info } of stats) {
      if (info.size > MAX_FILE_BYTES) continue;
      const file = await this.workspace.readFile(`docs/${name}`, MAX_FILE_BYTES);
      file.content.toString('utf8').split(/\r?\n/).forEach((text, n) => {
        const found = terms(text);
        if (found.length === 0) return;
        const id = built.lines.push({ file: file.rel, line: n + 1, text: text.trim().slice(0, MAX_LINE_CHARS) }) - 1;
        for (const term of found) built.counts.set(term, (built.counts.get(term) ?? 0) + 1);
        for (const term of new Set(found)) {
          const list = built.postings.get(term);
          if (list) list.push(id);
          else built.postings.set(term, [id]);
        }
      });
    }
    this.#built = built;
    return built;
  }
}

/** Intersection of ascending id lists, smallest first. */
function intersect(lists: number[][]): number[] {
  if (lists.length === 0) return [];
  const [first, ...rest] = [...lists].sort((a, b) => a.length - b.length);
  const sets = rest.map((l) => new Set(l));
  return (first ?? []).filter((id) => sets.every((s) => s.has(id)));
}
