/**
 * A small, safe Markdown subset: ATX headings, paragraphs, fenced code blocks, unordered lists, and inline
 * *em*, **strong**, `code`, [text](url) and backslash escapes. Every piece of source text is HTML-escaped on
 * output and no raw HTML passes through; a link becomes a link only for an absolute http(s) URL.
 */
export type Block =
  | { kind: 'heading'; level: number; text: string }
  | { kind: 'paragraph'; text: string }
  | { kind: 'code'; lang: string | undefined; text: string }
  | { kind: 'list'; items: string[] }
  /** Plain-text source: shown as it is, no inline syntax. */
  | { kind: 'plain'; text: string };

const HEADING = /^(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/;
const FENCE_OPEN = /^ {0,3}```[ \t]*([^`\s]*)[^`]*$/;
const FENCE_CLOSE = /^ {0,3}```[ \t]*$/;
const LIST_ITEM = /^ {0,3}[-*+][ \t]+(.*)$/;
const CONTINUATION = /^(?: {2,}|\t)\S/;
const LANG = /^[A-Za-z0-9_+-]{1,32}$/;

function lines(source: string): string[] {
  return source.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n').split('\n');
}

const startsBlock = (line: string): boolean => HEADING.test(line) || FENCE_OPEN.test(line) || LIST_ITEM.test(line);

export function parseMarkdown(source: string): Block[] {
  const all = lines(source);
  const blocks: Block[] = [];
  let i = 0;
  while (i < all.length) {
    const line = all[i] ?? '';
    if (line.trim() === '') {
      i++;
      continue;
    }
    const fence = FENCE_OPEN.exec(line);
    if (fence) {
      const body: string[] = [];
      i++;
      // An unclosed fence runs to the end of the document, as in CommonMark.
      while (i < all.length && !FENCE_CLOSE.test(all[i] ?? '')) body.push(all[i++] ?? '');
      i++;
      const lang = fence[1];
      blocks.push({ kind: 'code', lang: lang && LANG.test(lang) ? lang : undefined, text: body.join('\n') });
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      blocks.push({ kind: 'heading', level: heading[1]?.length ?? 1, text: heading[2] ?? '' });
      i++;
      continue;
    }
    if (LIST_ITEM.test(line)) {
      const items: string[] = [];
      while (i < all.length) {
        const current = all[i] ?? '';
        const item = LIST_ITEM.exec(current);
        if (item) items.push(item[1] ?? '');
        else if (CONTINUATION.test(current) && items.length > 0) items[items.length - 1] += ` ${current.trim()}`;
        else break;
        i++;
      }
      blocks.push({ kind: 'list', items });
      continue;
    }
    const para: string[] = [];
    while (i < all.length && (all[i] ?? '').trim() !== '' && (para.length === 0 || !startsBlock(all[i] ?? ''))) {
      para.push((all[i] ?? '').trim());
      i++;
    }
    blocks.push({ kind: 'paragraph', text: para.join('\n') });
  }
  return blocks;
}

/** Plain text: paragraphs separated by blank lines, nothing interpreted. */
export function parsePlainText(source: string): Block[] {
  const blocks: Block[] = [];
  let para: string[] = [];
  for (const line of [...lines(source), '']) {
    if (line.trim() !== '') {
      para.push(line.trimEnd());
    } else if (para.length > 0) {
      blocks.push({ kind: 'plain', text: para.join('\n') });
      para = [];
    }
  }
  return blocks;
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Only absolute http(s) URLs are linked; javascript:, data:, relative and malformed ones are not. */
export function safeUrl(raw: string): string | undefined {
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' || url.protocol === 'https:' ? raw : undefined;
  } catch {
    return undefined;
  }
}

interface InlineRenderer {
  text(s: string): string;
  code(s: string): string;
  strong(inner: string): string;
  em(inner: string): string;
  link(inner: string, url: string): string;
}

const HTML_INLINE: InlineRenderer = {
  text: escapeHtml,
  code: (s) => `<code>${escapeHtml(s)}</code>`,
  strong: (inner) => `<strong>${inner}</strong>`,
  em: (inner) => `<em>${inner}</em>`,
  link: (inner, url) => `<a href="${escapeHtml(url)}">${inner}</a>`,
};

const TEXT_INLINE: InlineRenderer = {
  text: (s) => s,
  code: (s) => s,
  strong: (inner) => inner,
  em: (inner) => inner,
  link: (inner, url) => `${inner} (${url})`,
};

const LINK = /\[([^\]\n]{1,500})\]\(([^\s()<>]{1,2000})\)/y;
const ESCAPABLE = new Set('\\`*_[]()#+-.!<>'.split(''));

/** Index of the closing delimiter for an opener at `from`, or -1: flanked by non-space, not part of a longer run. */
function closing(s: string, delim: string, from: number): number {
  for (let k = s.indexOf(delim, from); k !== -1; k = s.indexOf(delim, k + 1)) {
    const before = s[k - 1] ?? ' ';
    const after = s[k + delim.length] ?? '';
    if (/\s/.test(before) || before === '*' || after === '*') continue;
    return k;
  }
  return -1;
}

function renderInline(s: string, r: InlineRenderer): string {
  let out = '';
  let i = 0;
  while (i < s.length) {
    const c = s[i] ?? '';
    const next = s[i + 1] ?? '';
    if (c === '\\' && ESCAPABLE.has(next)) {
      out += r.text(next);
      i += 2;
      continue;
    }
    if (c === '`') {
      const end = s.indexOf('`', i + 1);
      if (end > i + 1) {
        out += r.code(s.slice(i + 1, end));
        i = end + 1;
        continue;
      }
    }
    if (c === '[') {
      LINK.lastIndex = i;
      const link = LINK.exec(s);
      if (link) {
        const inner = renderInline(link[1] ?? '', r);
        const url = safeUrl(link[2] ?? '');
        // A refused URL keeps its text and loses the link: nothing of it reaches an attribute.
        out += url ? r.link(inner, url) : inner;
        i += link[0].length;
        continue;
      }
    }
    if (c === '*' && next === '*' && s[i + 2] !== undefined && !/\s/.test(s[i + 2] ?? ' ')) {
      const end = closing(s, '**', i + 3);
      if (end !== -1) {
        out += r.strong(renderInline(s.slice(i + 2, end), r));
        i = end + 2;
        continue;
      }
    }
    if (c === '*' && next !== '*' && next !== '' && !/\s/.test(next)) {
      const end = closing(s, '*', i + 2);
      if (end !== -1) {
        out += r.em(renderInline(s.slice(i + 1, end), r));
        i = end + 1;
        continue;
      }
    }
    out += r.text(c);
    i++;
  }
  return out;
}

export function blockToHtml(block: Block): string {
  switch (block.kind) {
    case 'heading':
      return `<h${block.level}>${renderInline(block.text, HTML_INLINE)}</h${block.level}>`;
    case 'paragraph':
      return `<p>${renderInline(block.text, HTML_INLINE)}</p>`;
    case 'code':
      return `<pre><code${block.lang ? ` class="language-${block.lang}"` : ''}>${escapeHtml(block.text)}</code></pre>`;
    case 'list':
      return `<ul>\n${block.items.map((item) => `<li>${renderInline(item, HTML_INLINE)}</li>`).join('\n')}\n</ul>`;
    case 'plain':
      return `<p>${escapeHtml(block.text)}</p>`;
  }
}

export function blockToText(block: Block): string {
  switch (block.kind) {
    case 'heading': {
      const text = renderInline(block.text, TEXT_INLINE);
      return block.level <= 2 ? `${text}\n${(block.level === 1 ? '=' : '-').repeat(Math.max(3, text.length))}` : text;
    }
    case 'paragraph':
      return renderInline(block.text, TEXT_INLINE);
    case 'code':
      return block.text.split('\n').map((line) => `    ${line}`).join('\n');
    case 'list':
      return block.items.map((item) => `- ${renderInline(item, TEXT_INLINE)}`).join('\n');
    case 'plain':
      return block.text;
  }
}

/** Plain text of a heading, for the HTML title. */
export function headingText(block: Block): string | undefined {
  return block.kind === 'heading' ? renderInline(block.text, TEXT_INLINE) : undefined;
}

export function htmlHead(title: string): string {
  return `<!doctype html>\n<html>\n<head>\n<meta charset="utf-8">\n<title>${escapeHtml(title)}</title>\n</head>\n<body>\n`;
}

export const HTML_TAIL = '</body>\n</html>\n';
