import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { McpError, type CallToolResult, type ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { createDecider } from '../../src/decision/engine.js';
import { readBundle } from '../../src/decision/bundle.js';
import { registerDemoTools } from '../../src/host/demo-tools.js';
import { createTaskguard } from '../../src/wire/v2025/taskguard.js';
import { startStack, waitForStatus, type GuardedClient, type Stack, type Who } from '../support/stack.js';

const nowS = (): number => Math.floor(Date.now() / 1000);
/** export_data results and approve_publication input need fresh MFA (policies/data.yaml). */
const mfa = (sub: string): Who => ({ sub, acr: 'urn:example:mfa', authTimeS: nowS() - 10 });

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

function text(result: CallToolResult): string {
  const first = result.content[0];
  assert.ok(first?.type === 'text', 'a text result');
  return first.text;
}

function structured<T>(result: CallToolResult): T {
  assert.ok(result.structuredContent, `structured content in ${JSON.stringify(result)}`);
  return result.structuredContent as T;
}

/** Creates a task and returns its result (tasks/result blocks until the task is terminal). */
async function runTask(client: GuardedClient, tool: string, args: Record<string, unknown>): Promise<CallToolResult> {
  const task = await client.createTask(tool, args);
  return client.result(task.taskId);
}

async function waitUntil(check: () => boolean, limitMs = 5000): Promise<void> {
  const until = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Polls tasks/get (briefly apart) until the task shows a progress message, returning the messages seen. */
async function progressOf(client: GuardedClient, taskId: string, pattern: RegExp): Promise<string[]> {
  const seen: string[] = [];
  const until = Date.now() + 5000;
  for (;;) {
    const task = await client.getTask(taskId);
    if (task.statusMessage && pattern.test(task.statusMessage) && task.status === 'working') seen.push(task.statusMessage);
    if (seen.length > 0 || task.status !== 'working') return seen;
    if (Date.now() > until) throw new Error(`no progress on ${taskId}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

interface ExportInfo { file: string; rows: number; bytes: number; sha256: string }

/** A plain (non-task) call's export: a fresh random id per call, as a task's export has its task id. */
const PLAIN_EXPORT = (dataset: string, format: string): RegExp =>
  new RegExp(`^exports/${dataset}-call-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\\.${format}$`);

describe('demo tools over real Streamable HTTP', () => {
  let base: string;
  let ws: string;
  let stack: Stack;
  const at = (rel: string): string => path.join(ws, ...rel.split('/'));
  const entries = (rel: string): string[] => (existsSync(at(rel)) ? readdirSync(at(rel)) : []);
  /** Every statusMessage the task set while working, in order (from the audit trail). */
  const statusMessages = (taskId: string): string[] => stack.audit
    .filter((e) => e.task_id === taskId && e.event === 'status' && e.status === 'working')
    .map((e) => e.status_message ?? '');

  before(async () => {
    base = mkdtempSync(path.join(tmpdir(), 'taskguard-demo-'));
    ws = path.join(base, 'workspace'); // not created yet: registerDemoTools must create it
    stack = await startStack({ tools: 'demo', workspaceDir: ws, data: { limits: { operations_per_minute: 100_000 } } });
  });
  after(async () => {
    await stack.close();
    rmSync(base, { recursive: true, force: true });
  });

  it('creates the workspace with a sample handbook, and keeps a handbook that already exists', () => {
    const handbook = readFileSync(at('docs/handbook.md'), 'utf8');
    assert.ok(handbook.length > 2000 && handbook.startsWith('# Reporting handbook\n'));

    const other = path.join(base, 'other');
    mkdirSync(path.join(other, 'docs'), { recursive: true });
    writeFileSync(path.join(other, 'docs', 'handbook.md'), '# mine\n');
    const guard = createTaskguard({ decider: createDecider(readBundle()) });
    registerDemoTools(guard, { workspaceDir: other });
    guard.close();
    assert.equal(readFileSync(path.join(other, 'docs', 'handbook.md'), 'utf8'), '# mine\n');
  });

  it('export_data inline: a deterministic file whose size and sha256 match the result', async () => {
    const alice = await stack.connect({ sub: 'alice' });
    const first = await alice.call('export_data', { dataset: 'customers', rows: 1234, format: 'csv' });
    const info = structured<ExportInfo>(first);
    assert.match(info.file, PLAIN_EXPORT('customers', 'csv'));
    assert.equal(info.rows, 1234);
    const content = readFileSync(at(info.file));
    assert.equal(content.length, info.bytes);
    assert.equal(sha256(content), info.sha256);
    const lines = content.toString('utf8').trimEnd().split('\n');
    assert.equal(lines.length, 1235);
    assert.equal(lines[0], 'customer_id,name,email,country,tier,signed_up');
    assert.match(lines[1] ?? '', /^1,[A-Za-z]+ [A-Za-z]+,[a-z]+\.[a-z]+1@example\.com,[A-Z]{2},(free|team|enterprise),2024-\d\d-\d\d$/);
    assert.ok(text(first).startsWith(`exported 1234 customers rows as csv to ${info.file} (`), text(first));

    const again = structured<ExportInfo>(await alice.call('export_data', { dataset: 'customers', rows: 1234, format: 'csv' }));
    assert.equal(again.sha256, info.sha256, 'same dataset and rows, same bytes');
    assert.notEqual(again.file, info.file, 'each call its own file');

    const jsonl = structured<ExportInfo>(await alice.call('export_data', { dataset: 'events', rows: 3, format: 'jsonl' }));
    const records = readFileSync(at(jsonl.file), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(records.map((r) => Object.keys(r)), Array(3).fill(['event_id', 'at', 'user_id', 'type', 'path', 'duration_ms']));
    assert.deepEqual(records.map((r) => r['event_id']), [1, 2, 3]);
    assert.deepEqual(entries('exports').filter((n) => n.endsWith('.tmp')), [], 'no temp files left');
  });

  it('export_data: two users\' concurrent plain exports each get their own file, and each result names only its own', async () => {
    const [alice, bob] = await Promise.all([stack.connect({ sub: 'alice' }), stack.connect({ sub: 'bob' })]);
    // Several chunks each, so the two exports interleave; different row counts, so their files differ.
    const [forAlice, forBob] = await Promise.all([
      alice.call('export_data', { dataset: 'orders', rows: 30_000, format: 'csv' }),
      bob.call('export_data', { dataset: 'orders', rows: 20_000, format: 'csv' }),
    ]);
    const a = structured<ExportInfo>(forAlice);
    const b = structured<ExportInfo>(forBob);
    assert.match(a.file, PLAIN_EXPORT('orders', 'csv'));
    assert.match(b.file, PLAIN_EXPORT('orders', 'csv'));
    assert.notEqual(a.file, b.file);
    for (const [info, rows] of [[a, 30_000], [b, 20_000]] as const) {
      const content = readFileSync(at(info.file));
      assert.equal(sha256(content), info.sha256, `${info.file} holds the export its result describes`);
      assert.equal(content.toString('utf8').trimEnd().split('\n').length, rows + 1);
    }
    assert.equal(JSON.stringify(forAlice).includes(path.posix.basename(b.file)), false, 'alice\'s result does not name bob\'s file');
    assert.equal(JSON.stringify(forBob).includes(path.posix.basename(a.file)), false, 'bob\'s result does not name alice\'s file');
  });

  it('export_data validates its bounds before running anything', async () => {
    const alice = await stack.connect({ sub: 'alice' });
    for (const args of [{ dataset: 'orders', rows: 0, format: 'csv' }, { dataset: 'orders', rows: 200_001, format: 'csv' },
      { dataset: 'secrets', rows: 1, format: 'csv' }, { dataset: 'orders', rows: 1, format: 'xml' }]) {
      await assert.rejects(alice.call('export_data', args), (err: unknown) => err instanceof McpError && err.code === -32602);
    }
  });

  it('export_data as a task: progress through tasks/get while running, then a checksum-verified result', async () => {
    const alice = await stack.connect(mfa('alice'));
    const task = await alice.createTask('export_data', { dataset: 'orders', rows: 200_000, format: 'csv' });
    const seen = await progressOf(alice, task.taskId, /^exported \d+\/200000 rows$/);
    assert.ok(seen.length > 0, 'a progress message while working');
    await waitForStatus(alice, task.taskId, 'completed', 20_000);
    const info = structured<ExportInfo>(await alice.result(task.taskId));
    assert.equal(info.file, `exports/orders-${task.taskId}.csv`);
    assert.equal(info.rows, 200_000);
    assert.equal(sha256(readFileSync(at(info.file))), info.sha256);

    const progress = statusMessages(task.taskId).filter((m) => m.startsWith('exported'));
    assert.equal(progress.length, 40, 'one status update per 5000-row chunk');
    assert.equal(progress.at(-1), 'exported 200000/200000 rows');
  });

  it('cancelling an export mid-run stops the work and leaves neither the output nor a temp file', async () => {
    const alice = await stack.connect(mfa('alice'));
    const task = await alice.createTask('export_data', { dataset: 'events', rows: 200_000, format: 'jsonl' });
    const seen = await progressOf(alice, task.taskId, /^exported \d+\/200000 rows$/);
    assert.ok(seen.length > 0, 'cancelled while it was running');
    assert.equal((await alice.cancel(task.taskId)).status, 'cancelled');
    await waitUntil(() => stack.guard.running() === 0 && !entries('exports').some((n) => n.endsWith('.tmp')));
    assert.deepEqual(entries('exports').filter((n) => n.includes(task.taskId)), []);
    assert.ok(statusMessages(task.taskId).filter((m) => m.startsWith('exported')).length < 40, 'stopped before the last chunk');
  });

  it('an export whose task expires stops and leaves nothing', async () => {
    const alice = await stack.connect(mfa('alice'));
    const task = await alice.createTask('export_data', { dataset: 'orders', rows: 200_000, format: 'jsonl' }, 150);
    await waitUntil(() => stack.audit.some((e) => e.event === 'expired' && e.task_id === task.taskId));
    // The temp file goes either by rename (completed) or by the abort path; only the latter leaves no output.
    await waitUntil(() => !entries('exports').some((n) => n.endsWith('.tmp')));
    assert.deepEqual(entries('exports').filter((n) => n.includes(task.taskId)), []);
  });

  it('convert_document renders the safe Markdown subset exactly, escaping HTML and refusing javascript: links', async () => {
    mkdirSync(at('notes'), { recursive: true });
    writeFileSync(at('notes/sample.md'), [
      '# Notes *draft*',
      '',
      'Hello **world**, `a < b` & more.',
      '<script>alert("x")</script>',
      '',
      '- [safe](https://example.com/a?b=1&c=2)',
      '- [bad](javascript:alert%281%29)',
      '- [worse](javascript:alert(1))',
      '',
      '```js',
      'if (a < b) { return "x"; }',
      '```',
      '',
    ].join('\n'));
    const alice = await stack.connect({ sub: 'alice' });
    const task = await alice.createTask('convert_document', { source: 'notes/sample.md', to: 'html' });
    await waitForStatus(alice, task.taskId, 'completed');
    assert.equal((await alice.getTask(task.taskId)).statusMessage, 'converted 4/4 blocks');
    const result = await alice.result(task.taskId);
    const html = readFileSync(at('converted/sample.html'), 'utf8');
    assert.deepEqual(result.structuredContent, { file: 'converted/sample.html', blocks: 4, bytes: Buffer.byteLength(html) });
    assert.equal(html, [
      '<!doctype html>',
      '<html>',
      '<head>',
      '<meta charset="utf-8">',
      '<title>Notes draft</title>',
      '</head>',
      '<body>',
      '<h1>Notes <em>draft</em></h1>',
      '<p>Hello <strong>world</strong>, <code>a &lt; b</code> &amp; more.',
      '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</p>',
      '<ul>',
      '<li><a href="https://example.com/a?b=1&amp;c=2">safe</a></li>',
      '<li>bad</li>',
      '<li>[worse](javascript:alert(1))</li>',
      '</ul>',
      '<pre><code class="language-js">if (a &lt; b) { return &quot;x&quot;; }</code></pre>',
      '</body>',
      '</html>',
      '',
    ].join('\n'));
    assert.equal(html.includes('<script'), false);
    assert.equal(/href="(?!https:)/.test(html), false, 'the only href is the https one');

    const plain = await runTask(alice, 'convert_document', { source: 'notes/sample.md', to: 'text' });
    assert.equal(structured<{ file: string }>(plain).file, 'converted/sample.txt');
    assert.equal(readFileSync(at('converted/sample.txt'), 'utf8'), [
      'Notes draft',
      '===========',
      '',
      'Hello world, a < b & more.',
      '<script>alert("x")</script>',
      '',
      '- safe (https://example.com/a?b=1&c=2)',
      '- bad',
      '- [worse](javascript:alert(1))',
      '',
      '    if (a < b) { return "x"; }',
      '',
    ].join('\n'));
  });

  it('convert_document converts the sample handbook', async () => {
    const alice = await stack.connect({ sub: 'alice' });
    const result = await runTask(alice, 'convert_document', { source: 'docs/handbook.md', to: 'html' });
    const info = structured<{ file: string; blocks: number; bytes: number }>(result);
    assert.equal(info.file, 'converted/handbook.html');
    assert.ok(info.blocks > 15, `${info.blocks} blocks`);
    const html = readFileSync(at(info.file), 'utf8');
    assert.equal(html.length, info.bytes);
    assert.match(html, /<h1>Reporting handbook<\/h1>/);
    assert.match(html, /<li>Style guide: <a href="https:\/\/example.com\/style">writing guide<\/a><\/li>/);
    assert.match(html, /Raw HTML such as &lt;b&gt;this&lt;\/b&gt; is shown/);
    assert.deepEqual(entries('converted').filter((n) => n.endsWith('.tmp')), []);
  });

  it('refuses paths that escape the workspace: .., absolute, symlinks to outside', async () => {
    symlinkSync('/etc', at('etc-link'));
    symlinkSync('/etc/passwd', at('docs/evil.md'));
    const alice = await stack.connect({ sub: 'alice' });
    const refusals: Array<[string, RegExp]> = [
      ['../x.md', /must not contain '\.\.'/],
      ['docs/../../x.md', /must not contain '\.\.'/],
      ['/etc/passwd', /must be relative to the workspace/],
      ['docs/evil.md', /resolves outside the workspace/],
      ['etc-link/passwd.md', /resolves outside the workspace/],
      ['etc-link/no-such-file.md', /resolves outside the workspace/],
      ['docs/missing.md', /no such file in the workspace/],
    ];
    for (const [source, message] of refusals) {
      const result = await runTask(alice, 'convert_document', { source, to: 'html' });
      assert.equal(result.isError, true, source);
      assert.match(text(result), message, source);
      assert.equal(text(result).includes('root:'), false);
    }
    const publish = await runTask(await stack.connect(mfa('alice')), 'approve_publication', { source: 'etc-link/passwd' });
    assert.equal(publish.isError, true);
    assert.match(text(publish), /etc-link\/passwd: resolves outside the workspace/);
    rmSync(at('docs/evil.md'));
    rmSync(at('etc-link'));
  });

  it('refuses to write through an output folder that is a symlink out of the workspace', async () => {
    const outside = path.join(base, 'outside');
    mkdirSync(outside);
    rmSync(at('exports'), { recursive: true, force: true });
    symlinkSync(outside, at('exports'));
    try {
      const alice = await stack.connect({ sub: 'alice' });
      const result = await alice.call('export_data', { dataset: 'orders', rows: 10, format: 'csv' });
      assert.equal(result.isError, true);
      assert.match(text(result), /exports: resolves outside the workspace/);
      assert.deepEqual(readdirSync(outside), []);
    } finally {
      rmSync(at('exports'));
    }
  });

  it('lookup answers inline from the docs index, sees new docs, and may not run as a task', async () => {
    const alice = await stack.connect({ sub: 'alice' });
    const result = await alice.call('lookup', { q: 'Quarterly REPORT' });
    const answer = structured<{ terms: string[]; lines: number; files: string[]; hits: Array<{ file: string; line: number; text: string }> }>(result);
    assert.deepEqual(answer.terms, ['quarterly', 'report']);
    assert.ok(answer.lines >= 2);
    assert.deepEqual(answer.files, ['docs/handbook.md']);
    assert.ok(answer.hits.every((h) => /quarterly report/i.test(h.text)));
    assert.match(text(result), /^\d+ matching lines for "Quarterly REPORT"\ndocs\/handbook\.md:\d+: /);

    writeFileSync(at('docs/zoo.md'), '# Zoo\n\nThe zebra sleeps.\n');
    const zebra = structured<{ lines: number; hits: Array<{ file: string; line: number }> }>(await alice.call('lookup', { q: 'zebra' }));
    assert.deepEqual(zebra.hits.map((h) => [h.file, h.line]), [['docs/zoo.md', 3]]);

    const none = await alice.call('lookup', { q: '!!!' });
    assert.equal(none.isError, true);
    await assert.rejects(alice.createTask('lookup', { q: 'zebra' }), (err: unknown) => err instanceof McpError && err.code === -32601);
  });

  it('run_workflow runs the quarterly-report recipe as chained steps and reports each one', async () => {
    const alice = await stack.connect({ sub: 'alice' });
    const task = await alice.createTask('run_workflow', { recipe: 'quarterly-report' });
    const result = await alice.result(task.taskId);
    const report = structured<{ recipe: string; ok: number; steps: Array<{ tool: string; status: string; message: string }> }>(result);
    assert.equal(report.recipe, 'quarterly-report');
    assert.deepEqual(report.steps.map((s) => [s.tool, s.status]), [['lookup', 'ok'], ['export_data', 'ok'], ['convert_document', 'ok']]);
    assert.match(report.steps[1]?.message ?? '', new RegExp(`exports/orders-${task.taskId}\\.csv`));
    assert.ok(existsSync(at(`exports/orders-${task.taskId}.csv`)));
    assert.match(text(result), /^workflow quarterly-report: 3\/3 steps ok\n1\. lookup: ok/);
    const chained = stack.audit.filter((e) => e.op === 'chain' && e.task_id === task.taskId);
    assert.deepEqual(chained.map((e) => [e.tool, e.allow]), [['lookup', true], ['export_data', true], ['convert_document', true]]);
    assert.deepEqual(statusMessages(task.taskId).filter((m) => m.startsWith('step')), [
      'step 1/3 lookup: running', 'step 1/3 lookup: ok', 'step 2/3 export_data: running', 'step 2/3 export_data: ok',
      'step 3/3 convert_document: running', 'step 3/3 convert_document: ok',
    ]);
  });

  it('run_workflow with a narrower token: the out-of-scope step is denied and reported, the rest still run', async () => {
    const narrow = await stack.connect({ sub: 'alice', scope: 'workflows:run reports:read docs:convert' });
    const result = await runTask(narrow, 'run_workflow', { recipe: 'quarterly-report' });
    assert.equal(result.isError, undefined);
    const report = structured<{ ok: number; steps: Array<{ tool: string; status: string; message: string }> }>(result);
    assert.deepEqual(report.steps.map((s) => [s.tool, s.status]), [['lookup', 'ok'], ['export_data', 'denied'], ['convert_document', 'ok']]);
    assert.equal(report.steps[1]?.message, 'access denied (chain_scope_exceeded)');
    assert.match(text(result), /2\. export_data: denied - access denied \(chain_scope_exceeded\)/);
  });

  it('run_workflow: a failed required step skips the rest and fails the task', async () => {
    const narrow = await stack.connect({ sub: 'alice', scope: 'workflows:run reports:read' });
    const task = await narrow.createTask('run_workflow', {
      steps: [{ tool: 'export_data', args: { dataset: 'orders', rows: 1, format: 'csv' }, required: true }, { tool: 'lookup', args: { q: 'zebra' } }],
    });
    await waitForStatus(narrow, task.taskId, 'failed');
    const result = await narrow.result(task.taskId);
    assert.equal(result.isError, true);
    const report = structured<{ steps: Array<{ tool: string; status: string }> }>(result);
    assert.deepEqual(report.steps.map((s) => [s.tool, s.status]), [['export_data', 'denied'], ['lookup', 'skipped']]);

    const neither = await runTask(narrow, 'run_workflow', {});
    assert.equal(neither.isError, true);
    assert.match(text(neither), /either steps or recipe/);
  });

  it('approve_publication: an accepted approval publishes the file as it was shown', async () => {
    const asked: string[] = [];
    const answer: ElicitResult = { action: 'accept', content: { approve: true, note: 'ship it' } };
    const editor = await stack.connect(mfa('alice'), {
      onElicit: (request) => {
        asked.push(String(request.params.message));
        return answer;
      },
    });
    const result = await runTask(editor, 'approve_publication', { source: 'docs/handbook.md' });
    assert.equal(result.isError, undefined);
    assert.deepEqual(result.structuredContent, { published: 'published/handbook.md', source: 'docs/handbook.md', note: 'ship it' });
    assert.deepEqual(readFileSync(at('published/handbook.md')), readFileSync(at('docs/handbook.md')));
    assert.match(asked[0] ?? '', /^Publish docs\/handbook\.md \(\d+ bytes\) to published\/\?$/);
    assert.deepEqual(entries('published').filter((n) => n.endsWith('.tmp')), []);
  });

  it('approve_publication: a decline, a cancel or approve=false publishes nothing, without an error', async () => {
    const answers: ElicitResult[] = [
      { action: 'decline' },
      { action: 'cancel' },
      { action: 'accept', content: { approve: false, note: 'not yet' } },
    ];
    const reasons: string[] = [];
    for (const answer of answers) {
      const editor = await stack.connect(mfa('alice'), { onElicit: () => answer });
      const result = await runTask(editor, 'approve_publication', { source: 'notes/sample.md' });
      assert.equal(result.isError, undefined);
      assert.match(text(result), /^notes\/sample\.md was not published: /);
      reasons.push(structured<{ published: null; reason: string }>(result).reason);
    }
    assert.deepEqual(reasons, ['declined', 'cancelled', 'not approved']);
    assert.equal(existsSync(at('published/sample.md')), false);
  });
});
