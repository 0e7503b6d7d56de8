// Shadow mode and replay over the committed wasm: a candidate differing from the live policy in its data,
// real SDK clients over Streamable HTTP, and `taskguard replay` as the CLI runs it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadHostConfig } from '../../src/config/host-config.js';
import { readBundle } from '../../src/decision/bundle.js';
import { createDecider } from '../../src/decision/engine.js';
import type { GuardObserver, ObservedDecision } from '../../src/guard/observer.js';
import { createHostRuntime, createReferenceHttp } from '../../src/host/reference-host.js';
import { mintDevToken } from '../../src/host/dev-identity.js';
import { ShadowObserver, type ShadowDisagreement } from '../../src/shadow/shadow-observer.js';
import { deepMerge } from '../../src/util/merge.js';
import { freePort } from '../e2e/support/host-process.js';
import { connect } from '../e2e/support/sdk.js';
import { runCli } from '../support/run-cli.js';
import { startStack, type Stack } from '../support/stack.js';
import { tempDir } from '../support/temp-policy.js';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';

/** The parts of a logged EventV1 this file reads. */
interface ShadowLogEvent {
  decision_id: string;
  input?: unknown;
  result?: unknown;
  custom?: { taskguard?: { decided_by?: string; shadow?: { of_decision_id: string; disagreement: string; result: { reasons: string[] }; data_revision: string } } };
}

const bundle = readBundle();
/** The candidate: lookup only for the docs console, so reports-agent's lookups flip from allow to deny. */
const candidateChange = { tools: { lookup: { allowed_clients: ['docs-console'] } } };
const candidate = createDecider(bundle, { data: deepMerge(bundle.data, candidateChange) });

describe('a shadow candidate beside the live policy', () => {
  let stack: Stack;
  const seen: ShadowDisagreement[] = [];
  const recorded: ObservedDecision[] = [];
  const shadow = new ShadowObserver({ candidate: () => candidate, sample: 1, onDisagreement: (d) => void seen.push(d) });
  const recorder: GuardObserver = { decided: (e) => void recorded.push(e) };
  before(async () => {
    stack = await startStack({ guard: { observers: [shadow, recorder] } });
  });
  after(async () => {
    await stack.close();
  });

  it('counts the candidate\'s disagreements without changing one answer', async () => {
    const alice = await stack.connect({ sub: 'alice' });
    const docs = await stack.connect({ sub: 'dora', client: 'docs-console' });
    for (let i = 0; i < 3; i++) assert.deepEqual((await alice.call('lookup', { q: `a${i}` })).content, [{ type: 'text', text: `answer to a${i}` }]);
    await docs.call('lookup', { q: 'd' });
    await shadow.idle();
    assert.equal(shadow.stats.sampled, 4);
    assert.equal(shadow.stats.evaluated, 4);
    assert.equal(shadow.stats.agreed, 1);
    assert.deepEqual(shadow.stats.disagreed, { outcome: 3, detail: 0 });
    assert.equal(seen.length, 3);
    const first = seen[0] as ShadowDisagreement;
    assert.equal(first.kind, 'outcome');
    assert.equal(first.live.allow, true);
    assert.equal(first.candidate.allow, false);
    assert.deepEqual(first.candidate.reasons, ['client_not_allowed']);
    assert.equal(first.candidateRevision.data, candidate.dataRevision);
    assert.equal(first.liveRevision.data, stack.decider.dataRevision);
    // The very decision the audit log recorded.
    assert.ok(stack.audit.some((e) => e.decision_id === first.decisionId && e.allow === true));
  });

  it('samples the share it is told to, and drops (counted) what overflows its queue', () => {
    const coin = [0.1, 0.9, 0.2, 0.8];
    const half = new ShadowObserver({ candidate: () => candidate, sample: 0.5, maxQueue: 1, random: () => coin.shift() ?? 1 });
    for (const e of recorded.slice(0, 4)) half.decided(e);
    assert.equal(half.stats.sampled, 2);
    assert.equal(half.stats.dropped, 1, 'the second sampled decision found the queue full');
    assert.throws(() => new ShadowObserver({ candidate: () => candidate, sample: 1.5 }), RangeError);
  });

  it('taskguard replay re-decides recorded decisions with a candidate and prints the differences', async () => {
    const dir = tempDir('taskguard-replay-');
    const log = path.join(dir, 'decisions.jsonl');
    // EventV1's fields that replay reads: decision_id, input, result (and erased / masked).
    writeFileSync(log, recorded.map((e, i) => JSON.stringify({
      decision_id: e.decisionId, path: 'taskguard/tasks/decision', input: e.input, result: e.decision,
      ...(i === 0 ? { erased: ['/input/task/id'] } : {}),
    })).join('\n') + '\nnot json\n');
    const candidateData = path.join(dir, 'candidate.yaml');
    writeFileSync(candidateData, stringify(deepMerge(bundle.data, candidateChange)));

    const differs = await runCli('replay', '--data', candidateData, log);
    assert.equal(differs.code, 1, differs.err);
    const lines = differs.out.trim().split('\n');
    assert.equal(lines.filter((l) => /^outcome [0-9a-f-]{36} call: recorded allow, candidate deny \[client_not_allowed\]/.test(l)).length, 3, differs.out);
    assert.match(lines.at(-1) ?? '', /^4 decisions replayed: 1 agree, 3 differ \(3 outcome, 0 detail\); 1 had masked input; 1 skipped \(not decision events\)$/);

    const same = await runCli('replay', log);
    assert.equal(same.code, 0, same.err);
    assert.match(same.out, /^4 decisions replayed: 4 agree, 0 differ/m);

    const json = await runCli('replay', '--json', '--data', candidateData, log);
    const report = JSON.parse(json.out) as { candidate: { data_revision: string }; differences: unknown[] };
    assert.equal(report.candidate.data_revision, candidate.dataRevision);
    assert.equal(report.differences.length, 3);

    const none = await runCli('replay');
    assert.equal(none.code, 2);
    assert.match(none.err, /name at least one decision log/);
  });
});

describe('policy.shadow in the reference host', () => {
  it('evaluates the configured candidate on live traffic and says where it disagrees', async () => {
    const dir = tempDir('taskguard-shadow-host-');
    writeFileSync(path.join(dir, 'candidate.yaml'), stringify(deepMerge(bundle.data, candidateChange)));
    const file = path.join(dir, 'taskguard.yaml');
    writeFileSync(file, stringify({ state_dir: 'state', store: { kind: 'memory' }, listen: { port: await freePort() }, policy: { shadow: { data: 'candidate.yaml', sample: 1 } } }));
    const lines: string[] = [];
    const runtime = await createHostRuntime(loadHostConfig(file), (l) => void lines.push(l));
    const http = createReferenceHttp(runtime);
    const url = await http.listen();
    const clients: Client[] = [];
    try {
      const token = await mintDevToken(runtime.config, { sub: 'alice', tenant: 'acme', client: 'reports-agent', scopes: ['reports:read'], roles: ['analyst'], ttlS: 300 });
      const alice = await connect(url, token, clients);
      const result = await alice.request({ method: 'tools/call', params: { name: 'lookup', arguments: { q: 'tasks' } } }, CallToolResultSchema);
      assert.notEqual(result.isError, true);
      await runtime.shadow?.idle();
      assert.deepEqual(runtime.shadow?.stats.disagreed, { outcome: 1, detail: 0 });
      assert.ok(lines.some((l) => /^shadow policy disagrees \(outcome\) on decision [0-9a-f-]{36} \(call\): live allow, candidate deny \[client_not_allowed\]$/.test(l)), lines.join('\n'));
    } finally {
      for (const c of clients) await c.close().catch(() => {});
      await http.close();
      await runtime.settle(() => {});
    }
  });

  it('with decision logs, writes each disagreement as an event of its own beside the live one, which replay does not count twice', async () => {
    const dir = tempDir('taskguard-shadow-log-');
    writeFileSync(path.join(dir, 'candidate.yaml'), stringify(deepMerge(bundle.data, candidateChange)));
    const file = path.join(dir, 'taskguard.yaml');
    writeFileSync(file, stringify({
      state_dir: 'state', store: { kind: 'memory' }, listen: { port: await freePort() },
      policy: { shadow: { data: 'candidate.yaml', sample: 1 } }, decision_logs: { file: 'decisions.jsonl' },
    }));
    const runtime = await createHostRuntime(loadHostConfig(file), () => {});
    const http = createReferenceHttp(runtime);
    const url = await http.listen();
    const clients: Client[] = [];
    try {
      const token = await mintDevToken(runtime.config, { sub: 'alice', tenant: 'acme', client: 'reports-agent', scopes: ['reports:read', 'docs:convert'], roles: ['analyst'], ttlS: 300 });
      const alice = await connect(url, token, clients);
      await alice.request({ method: 'tools/call', params: { name: 'lookup', arguments: { q: 'tasks' } } }, CallToolResultSchema);
      await runtime.shadow?.idle();
      await runtime.decisionLog?.flush();
    } finally {
      for (const c of clients) await c.close().catch(() => {});
      await http.close();
      await runtime.settle(() => {});
    }
    const log = path.join(dir, 'state', 'decisions.jsonl');
    const events = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as ShadowLogEvent);
    const shadowEvents = events.filter((e) => e.custom?.taskguard?.decided_by === 'shadow');
    assert.equal(shadowEvents.length, 1);
    const [shadowed] = shadowEvents;
    const shadow = shadowed?.custom?.taskguard?.shadow;
    const live = events.find((e) => e.decision_id === shadow?.of_decision_id);
    assert.ok(live, 'the live decision is in the log under the id the shadow event names');
    assert.notEqual(shadowed?.decision_id, live.decision_id);
    assert.deepEqual(shadowed?.result, live.result);
    assert.equal(shadow?.disagreement, 'outcome');
    assert.deepEqual(shadow?.result.reasons, ['client_not_allowed']);
    assert.equal(shadow?.data_revision, candidate.dataRevision);
    const replayed = await runCli('replay', '--json', '--data', path.join(dir, 'candidate.yaml'), log);
    const report = JSON.parse(replayed.out) as { events: number; differences: unknown[] };
    assert.equal(report.events, events.filter((e) => e.input !== undefined).length - 1, 'the shadow event is not replayed');
    assert.equal(report.differences.length, 1);
  });

  it('refuses a shadow section without a candidate or with a sample out of range, by path', () => {
    const dir = tempDir('taskguard-shadow-config-');
    const file = path.join(dir, 'taskguard.yaml');
    writeFileSync(file, stringify({ policy: { shadow: { sample: 0 } } }));
    assert.throws(() => loadHostConfig(file), /policy\.shadow: needs a bundle, a data file or both.*policy\.shadow\.sample: must be a number above 0 and at most 1/s);
  });
});
