import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client as ClientV2 } from '@modelcontextprotocol/client';
import { StdioClientTransport as StdioClientTransportV2 } from '@modelcontextprotocol/client/stdio';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CallToolResultSchema, CreateTaskResultSchema, GetTaskResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { packageRoot } from '../../src/util/paths.js';
import { tempDir } from '../support/temp-policy.js';

const cli = (args: string[]): string => execFileSync(process.execPath, ['--import', 'tsx', 'src/cli/entry.ts', ...args], { cwd: packageRoot, encoding: 'utf8' }).trim();

describe('taskguard serve --stdio', () => {
  const dir = tempDir('taskguard-stdio-');
  const config = path.join(dir, 'taskguard.yaml');
  writeFileSync(config, 'state_dir: state\n');
  const clients: Array<{ close(): Promise<void> }> = [];
  after(async () => {
    for (const c of clients) await c.close().catch(() => {});
  });

  async function connect(token: string): Promise<Client> {
    const client = new Client({ name: 'stdio-test', version: '1.0.0' });
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ['--import', 'tsx', 'src/cli/entry.ts', 'serve', '--stdio', '--config', config],
      cwd: packageRoot,
      env: { ...process.env as Record<string, string>, TASKGUARD_TOKEN: token },
      stderr: 'ignore',
    });
    await client.connect(transport);
    clients.push(client);
    return client;
  }

  it('serves one verified identity over stdio, decided by the same guard', async () => {
    // No host has run with this config yet, so the token makes the dev key that serve --stdio then uses.
    const token = cli(['token', '--config', config, '--create-key', '--sub', 'alice', '--tenant', 'acme', '--client', 'reports-agent', '--scope', 'reports:read reports:export docs:convert']);
    const client = await connect(token);
    const { tools } = await client.listTools();
    assert.ok(tools.some((t) => t.name === 'export_data' && t.execution?.taskSupport === 'optional'));
    const lookup = await client.request({ method: 'tools/call', params: { name: 'lookup', arguments: { q: 'task' } } }, CallToolResultSchema);
    assert.equal(lookup.isError ?? false, false);
    const created = await client.request({ method: 'tools/call', params: { name: 'export_data', arguments: { dataset: 'orders', rows: 10, format: 'csv' }, task: {} } }, CreateTaskResultSchema);
    let status = created.task.status;
    for (let i = 0; i < 200 && status === 'working'; i++) {
      status = (await client.request({ method: 'tasks/get', params: { taskId: created.task.taskId } }, GetTaskResultSchema)).status;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(status, 'completed');
    // workflows:run is not in this token: the stdio identity is the token's, not anything the client claims.
    await assert.rejects(client.request({ method: 'tools/call', params: { name: 'run_workflow', arguments: { recipe: 'quarterly-report' }, task: {} } }, CreateTaskResultSchema), /access denied/);
  });

  it('serves a 2026-07-28 client too: its first message (server/discover) picks the generation', async () => {
    const token = cli(['token', '--config', config, '--create-key', '--sub', 'alice', '--tenant', 'acme', '--client', 'reports-agent', '--scope', 'reports:read reports:export docs:convert']);
    const client = new ClientV2({ name: 'stdio-test-2026', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' }, capabilities: { extensions: { 'io.modelcontextprotocol/tasks': {} } } });
    clients.push(client);
    await client.connect(new StdioClientTransportV2({
      command: process.execPath,
      args: ['--import', 'tsx', 'src/cli/entry.ts', 'serve', '--stdio', '--config', config],
      cwd: packageRoot,
      env: { ...process.env as Record<string, string>, TASKGUARD_TOKEN: token },
      stderr: 'ignore',
    }));
    assert.equal(client.getProtocolEra(), 'modern');
    const { tools } = await client.listTools();
    assert.ok(tools.some((t) => t.name === 'convert_document'));
    const lookup = await client.callTool({ name: 'lookup', arguments: { q: 'task' } });
    assert.equal(lookup.isError ?? false, false);
    // The identity is the token's here too: workflows:run is not in it.
    const refused = await client.callTool({ name: 'run_workflow', arguments: { recipe: 'quarterly-report' } }).then((r) => JSON.stringify(r), (err: Error) => err.message);
    assert.match(refused, /access denied/);
  });

  it('refuses to start without a valid token', () => {
    assert.throws(() => execFileSync(process.execPath, ['--import', 'tsx', 'src/cli/entry.ts', 'serve', '--stdio', '--config', config, '--token', 'not-a-jwt'], { cwd: packageRoot, stdio: 'pipe' }));
  });
});
