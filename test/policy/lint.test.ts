import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../support/run-cli.js';
import { tempDir, writePolicy } from '../support/temp-policy.js';

const header = '# METADATA\n# description: The decision for every task operation.\npackage taskguard.tasks\n\n';
const clean = {
  'p.rego': `${header}decision := {"allow": input.op == "get", "reasons": [], "delegated": false}\n`,
  // Tests run in OPA, not in the wasm runtime: a builtin the runtime lacks (object.keys) is fine here.
  'p_test.rego': 'package taskguard.tasks_test\n\nimport data.taskguard.tasks\n\ntest_get_is_allowed if tasks.decision.allow with input as {"op": "get"}\n\n'
    + 'test_keys if count(object.keys({"a": 1})) == 1\n',
};

describe('taskguard lint', () => {
  it('passes a clean folder through every step, Regal included', async () => {
    const r = await runCli('lint', '--policies', writePolicy(clean));
    assert.equal(r.code, 0, `${r.out}\n${r.err}`);
    assert.equal(r.out, '');
    assert.match(r.err, /^clean: opa fmt, opa check --strict, opa check --strict --capabilities @open-policy-agent\/opa-wasm@[\d.]+, regal lint$/m);
  });

  const problems: Array<[string, Record<string, string>, RegExp]> = [
    ['an unformatted file (opa fmt)', { 'p.rego': `${header}decision   :=  {"allow": false}\n` }, /^p\.rego: not opa fmt clean \(opa fmt -w fixes it\)$/m],
    ['a strict-mode error (opa check --strict)', { 'p.rego': `${header}decision := d if {\n\tx := 1\n\td := {"allow": false}\n}\n` }, /^p\.rego:6: rego_compile_error: assigned var x unused$/m],
    ['a builtin the wasm runtime lacks, outside tests', { 'p.rego': `${header}decision := {"allow": time.now_ns() > 0}\n` }, /^p\.rego:5: rego_type_error: undefined function time\.now_ns$/m],
    ['a Regal violation, as file:row:col rule (category, level) description', { 'p.rego': `${header}decision := {"allow": false, "n": get_n}\n\nget_n := 1\n` },
      /^p\.rego:7:1 avoid-get-and-list-prefix \(style, error\) Avoid `get_` and `list_` prefix for rules and functions$/m],
  ];
  for (const [what, files, line] of problems) {
    it(`reports ${what} and exits 1`, async () => {
      const r = await runCli('lint', '--policies', writePolicy(files));
      assert.equal(r.code, 1, `${r.out}\n${r.err}`);
      assert.match(r.out, line);
      assert.match(r.err, /^\d+ problem\(s\) in 1 file\(s\): /m);
    });
  }

  it('the bundled policies pass opa fmt and both opa checks (Regal runs on them in npm test\'s own lint step)', async () => {
    const r = await runCli('lint', '--skip-regal');
    assert.equal(r.code, 0, r.out);
    assert.match(r.err, /^clean: opa fmt, opa check --strict, opa check --strict --capabilities \S+ \(regal skipped\)$/m);
  });

  it('--regal-config and --fail-level warning: a warning is a note by default and a problem when asked', async () => {
    const dir = writePolicy({ 'p.rego': `${header}decision := {"allow": false, "n": get_n}\n\nget_n := 1\n` });
    const config = path.join(tempDir(), 'regal.yaml');
    writeFileSync(config, 'rules:\n  style:\n    avoid-get-and-list-prefix: { level: warning }\n  idiomatic:\n    directory-package-mismatch: { level: ignore }\n');
    const lenient = await runCli('lint', '--policies', dir, '--regal-config', config);
    assert.equal(lenient.code, 0, lenient.err);
    assert.match(lenient.out, /^p\.rego:7:1 avoid-get-and-list-prefix \(style, warning\)/m);
    const strict = await runCli('lint', '--policies', dir, '--regal-config', config, '--fail-level', 'warning');
    assert.equal(strict.code, 1);
  });

  it('exits 2 when Regal cannot be found or built, naming the way out', async () => {
    const saved = process.env['REGAL'];
    process.env['REGAL'] = path.join(tempDir(), 'no-regal-here');
    try {
      const r = await runCli('lint', '--policies', writePolicy(clean));
      assert.equal(r.code, 2);
      assert.match(r.err, /cannot install or find regal .*set REGAL=\/path\/to\/regal \[regal_unavailable\]/);
    } finally {
      if (saved === undefined) delete process.env['REGAL'];
      else process.env['REGAL'] = saved;
    }
  });
});
