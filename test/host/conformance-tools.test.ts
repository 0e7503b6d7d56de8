import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema, CreateTaskResultSchema, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { CONFORMANCE_DATA_FILE, loadHostConfig } from '../../src/config/host-config.js';
import { TaskguardError } from '../../src/errors.js';
import { loadPolicyData } from '../../src/config/policy-data.js';
import { createHostRuntime, createReferenceHttp } from '../../src/host/reference-host.js';
import { runCli } from '../support/run-cli.js';
import { freePort, startHost } from '../e2e/support/host-process.js';
import { tempDir } from '../support/temp-policy.js';

function configFile(yaml: string): string {
  const file = path.join(tempDir('taskguard-conformance-config-'), 'taskguard.yaml');
  writeFileSync(file, yaml);
  return file;
}

describe('demo: { tools: conformance }', () => {
  it('selects the conformance data in place of the demo tools, and says where a wrong value is', () => {
    const config = loadHostConfig(configFile('demo: { tools: conformance }\n'));
    assert.equal(config.demo.tools, false);
    assert.equal(config.demo.conformance, true);
    assert.equal(config.policy.data, CONFORMANCE_DATA_FILE);
    assert.equal(loadHostConfig(configFile('demo: { tools: true }\n')).demo.conformance, false);
    assert.throws(() => loadHostConfig(configFile('demo: { tools: everything }\n')),
      (err) => err instanceof TaskguardError && err.code === 'config_invalid' && err.message.includes('demo.tools: must be true, false or conformance'));
  });

  it('registers every tool its data names, each with a description, and only those', async () => {
    const stateDir = tempDir('taskguard-conformance-host-');
    const config = loadHostConfig(configFile(`state_dir: ${stateDir}\nstore: { kind: memory }\ndemo: { tools: conformance }\n`));
    const runtime = await createHostRuntime(config, () => {});
    try {
      const registered = [...runtime.guard.guard.tools()];
      assert.deepEqual(registered.map((t) => t.name).sort(), Object.keys(loadPolicyData(CONFORMANCE_DATA_FILE).tools as object).sort());
      for (const tool of registered) assert.ok(tool.config.description, `${tool.name} has a description`);
    } finally {
      await runtime.settle(() => {});
    }
  });

  it('taskguard token --config FILE mints a token the host lets call them; without it the host refuses', async () => {
    const { url, token, stop } = await startConformanceHost();
    try {
      const client = new Client({ name: 'conformance-check', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
      const result = await client.callTool({ name: 'test_simple_text', arguments: {} });
      assert.deepEqual(result.content, [{ type: 'text', text: 'This is a simple text response for testing.' }]);
      // The caller asked for progress: the tool's three steps reach it under its own token, in order.
      const progress: number[] = [];
      await client.callTool({ name: 'test_tool_with_progress', arguments: {} }, undefined, { onprogress: (p) => void progress.push(p.progress) });
      assert.deepEqual(progress, [0, 50, 100]);
      await client.close();
      const anonymous = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' });
      assert.equal(anonymous.status, 401);
    } finally {
      await stop();
    }
  });

  it('taskguard serve lists the conformance tools and none of the demo tools', async () => {
    const host = await startHost({ config: { store: { kind: 'memory' }, demo: { tools: 'conformance' } } });
    try {
      const token = await host.token({ sub: 'conformance', tenant: 'dev', client: 'conformance-runner', scope: 'conformance:run' });
      const client = new Client({ name: 'conformance-check', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(host.url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
      const listed = (await client.listTools()).tools.map((t) => t.name).sort();
      assert.deepEqual(listed, Object.keys(loadPolicyData(CONFORMANCE_DATA_FILE).tools as object).sort());
      await client.close();
    } finally {
      const stopped = await host.dispose();
      assert.equal(stopped?.code, 0);
    }
  });

  it('the tasks fixtures behave as the tasks-* scenarios expect, on the 2025-11-25 task wire', async () => {
    const { url, token, stop } = await startConformanceHost();
    try {
      const client = new Client({ name: 'conformance-check', version: '1.0.0' }, { capabilities: { elicitation: {} } });
      client.setRequestHandler(ElicitRequestSchema, () => ({ action: 'accept', content: { confirm: true } }));
      await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
      const asTask = async (name: string, args: Record<string, unknown>) => {
        const { task } = await client.request({ method: 'tools/call', params: { name, arguments: args, task: {} } }, CreateTaskResultSchema);
        return client.request({ method: 'tasks/result', params: { taskId: task.taskId } }, CallToolResultSchema);
      };
      assert.deepEqual((await client.callTool({ name: 'greet', arguments: { name: 'Ada' } })).content, [{ type: 'text', text: 'Hello, Ada!' }]);
      assert.deepEqual((await asTask('slow_compute', { seconds: 0 })).content, [{ type: 'text', text: 'computed for 0 s' }]);
      assert.equal((await asTask('failing_job', {})).isError, true);
      assert.deepEqual((await asTask('confirm_delete', { filename: 'a.txt' })).content, [{ type: 'text', text: 'deleted a.txt' }]);
      await assert.rejects(asTask('protocol_error_job', {}), /protocol_error_job failed on purpose/);
      await client.close();
    } finally {
      await stop();
    }
  });
});

/** The reference host with `demo: { tools: conformance }` on a free port, and a token minted by the CLI for it. */
async function startConformanceHost(): Promise<{ url: string; token: string; stop(): Promise<void> }> {
  const stateDir = tempDir('taskguard-conformance-host-');
  const file = configFile(`state_dir: ${stateDir}\nlisten: { port: ${await freePort()} }\nstore: { kind: memory }\ndemo: { tools: conformance }\n`);
  const runtime = await createHostRuntime(loadHostConfig(file), () => {});
  const http = createReferenceHttp(runtime);
  const url = await http.listen();
  const minted = await runCli('token', '--config', file, '--sub', 'conformance', '--tenant', 'dev', '--client', 'conformance-runner', '--scope', 'conformance:run');
  assert.equal(minted.code, 0, minted.err);
  return {
    url, token: minted.out.trim(),
    async stop() {
      await http.close();
      await runtime.settle(() => {});
    },
  };
}
