// The official MCP Python SDK (PyPI `mcp`, pinned, in a cached venv) as the client of `taskguard serve`:
// test/e2e/python/task_client.py creates a task with call_tool_as_task, polls it, reads the result, and
// prints one JSON line that this test checks.
import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, run, startHost, tail, type HostProcess } from './support/host-process.js';
import { ensurePythonSdk, MCP_PYTHON_VERSION, type PythonSdk } from './support/python-venv.js';

const SCRIPT = path.join(REPO_ROOT, 'test', 'e2e', 'python', 'task_client.py');

interface Summary {
  server: string;
  protocol_version: string;
  server_task_tools_call: boolean;
  tools: Record<string, string | null>;
  lookup: { is_error: boolean; text: string };
  task_id: string;
  created_status: string;
  poll_interval_ms: number | null;
  statuses: string[];
  final_status: string;
  status_message: string | null;
  result_is_error: boolean;
  result_text: string;
  result_structured: { file: string; blocks: number; bytes: number } | null;
  related_task_id: string | null;
  listed: boolean;
}

describe('the MCP Python SDK against taskguard serve', () => {
  let sdk: PythonSdk;
  let host: HostProcess | undefined;
  let summary: Summary;

  const skipped = (t: TestContext): boolean => {
    if (!('skip' in sdk)) return false;
    t.skip(sdk.skip);
    return true;
  };

  before(async () => {
    const t0 = Date.now();
    sdk = await ensurePythonSdk();
    if ('skip' in sdk) {
      // Printed as well as reported per test, so a skip is never mistaken for a pass.
      process.stderr.write(`python-sdk e2e skipped: ${sdk.skip}\n`);
      return;
    }
    process.stderr.write(`python venv: mcp ${sdk.version} ${sdk.installed ? 'installed' : 'already there'} (${Date.now() - t0} ms)\n`);
    host = await startHost();
    const token = await host.token({ sub: 'alice', scope: 'reports:read docs:convert', role: 'analyst' });
    const r = await run(sdk.python, [SCRIPT, host.url], {
      env: { ...process.env, TASKGUARD_TOKEN: token, PYTHONDONTWRITEBYTECODE: '1' },
      timeoutMs: 90_000,
    });
    assert.equal(r.code, 0, `task_client.py exited ${r.code}:\n${tail(r.stderr)}\n${tail(r.stdout)}`);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 1, `one JSON line on stdout, got:\n${r.stdout}`);
    summary = JSON.parse(lines[0] as string) as Summary;
  });

  after(async () => {
    if (!host) return;
    try {
      const r = await host.stop();
      assert.deepEqual({ code: r.code, signal: r.signal }, { code: 0, signal: null }, `serve did not exit 0 on SIGTERM:\n${r.stderr}`);
    } finally {
      await host.dispose();
    }
  });

  it(`uses mcp==${MCP_PYTHON_VERSION} from the cached venv`, (t) => {
    if (skipped(t)) return;
    assert.ok(!('skip' in sdk));
    assert.equal(sdk.version, MCP_PYTHON_VERSION);
  });

  it('initializes and sees the demo tools with their task support', (t) => {
    if (skipped(t)) return;
    assert.equal(summary.server, 'taskguard-reference-host');
    assert.equal(summary.protocol_version, '2025-11-25');
    assert.equal(summary.server_task_tools_call, true);
    assert.deepEqual(summary.tools, {
      export_data: 'optional', convert_document: 'required', lookup: 'forbidden', run_workflow: 'required', approve_publication: 'required',
    });
    assert.equal(summary.lookup.is_error, false);
    assert.match(summary.lookup.text, /^2 matching lines for "handbook"\ndocs\/handbook\.md:1: # Reporting handbook/);
  });

  it('creates a task with call_tool_as_task, polls it to completion and reads the result', (t) => {
    if (skipped(t)) return;
    assert.match(summary.task_id, /^[0-9a-f-]{36}$/);
    assert.equal(summary.created_status, 'working');
    assert.equal(summary.poll_interval_ms, 500);
    assert.equal(summary.statuses[0], 'working');
    assert.equal(summary.statuses.at(-1), 'completed');
    assert.equal(summary.final_status, 'completed');
    assert.match(summary.status_message ?? '', /^converted (\d+)\/\1 blocks$/);
    assert.equal(summary.result_is_error, false);
    assert.match(summary.result_text, /^converted docs\/handbook\.md to converted\/handbook\.txt \(\d+ blocks, \d+ bytes\)$/);
    assert.equal(summary.related_task_id, summary.task_id);
    assert.equal(summary.listed, true, 'the task is in its owner\'s tasks/list');

    // The work was real: the converted file is in the host's workspace, as large as the result says.
    assert.ok(host);
    const structured = summary.result_structured;
    assert.equal(structured?.file, 'converted/handbook.txt');
    const text = readFileSync(path.join(host.workspaceDir, 'converted', 'handbook.txt'), 'utf8');
    assert.equal(Buffer.byteLength(text), structured?.bytes);
    assert.match(text, /^Reporting handbook\n/);
  });
});
