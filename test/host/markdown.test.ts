import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { blockToHtml, parseMarkdown, parsePlainText } from '../../src/host/demo/markdown.js';

const html = (source: string): string => parseMarkdown(source).map(blockToHtml).join('\n');

describe('the demo Markdown subset', () => {
  it('nests emphasis and strong, and leaves lone or spaced asterisks alone', () => {
    assert.equal(html('*a **b** c*'), '<p><em>a <strong>b</strong> c</em></p>');
    assert.equal(html('**a *b* c**'), '<p><strong>a <em>b</em> c</strong></p>');
    assert.equal(html('2 * 3 * 4'), '<p>2 * 3 * 4</p>');
    assert.equal(html('\\*not em\\*'), '<p>*not em*</p>');
  });

  it('links only absolute http(s) URLs, and escapes them in the attribute', () => {
    assert.equal(html('[x](HTTPS://a.b/c)'), '<p><a href="HTTPS://a.b/c">x</a></p>');
    assert.equal(html('[x](https://a.b/"onclick="y)'), '<p><a href="https://a.b/&quot;onclick=&quot;y">x</a></p>');
    for (const url of ['//evil.com', 'data:text/html,hi', 'javascript:alert%281%29', 'JaVaScRiPt:x', 'vbscript:x', 'relative/page']) {
      assert.equal(html(`[x](${url})`), '<p>x</p>', url);
    }
  });

  it('never passes raw HTML through, in text, code spans or code blocks', () => {
    assert.equal(html('<img src=x onerror=alert(1)>'), '<p>&lt;img src=x onerror=alert(1)&gt;</p>');
    assert.equal(html('`<b>`'), '<p><code>&lt;b&gt;</code></p>');
    assert.equal(html('```"><script>\n<b>\n```'), '<pre><code>&lt;b&gt;</code></pre>', 'a bad info string is dropped');
    assert.equal(html('```\nunclosed <b>'), '<pre><code>unclosed &lt;b&gt;</code></pre>');
  });

  it('parses headings, lists with continuation lines, and paragraphs', () => {
    assert.equal(html('###### six ##'), '<h6>six</h6>');
    assert.equal(html('####### seven'), '<p>####### seven</p>');
    assert.equal(html('- a\n  continued\n- b\npara'), '<ul>\n<li>a continued</li>\n<li>b</li>\n</ul>\n<p>para</p>');
    assert.equal(html('one\r\ntwo\r\n\r\n# three'), '<p>one\ntwo</p>\n<h1>three</h1>');
  });

  it('plain text is split into paragraphs and nothing in it is interpreted', () => {
    assert.equal(parsePlainText('# not a heading\n*x*\n\n\n<b>').map(blockToHtml).join('\n'), '<p># not a heading\n*x*</p>\n<p>&lt;b&gt;</p>');
  });
});
