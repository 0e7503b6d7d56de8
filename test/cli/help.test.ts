import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { runCli as run } from '../support/run-cli.js';
import { tempDir } from '../support/temp-policy.js';

const missing = path.join(tempDir('taskguard-help-'), 'no-such-file.yaml');
const outDir = path.join(tempDir('taskguard-help-'), 'bundle');

/**
 * Every subcommand, with arguments that would make it do something visible (load a missing config, build
 * into a folder, verify a missing log, start a host) were --help not honoured first; and the long options
 * its help must describe.
 */
const commands: Array<{ argv: string[]; options: string[] }> = [
  { argv: ['serve', '--config', missing], options: ['--config', '--stdio', '--token'] },
  { argv: ['demo'], options: [] },
  { argv: ['token', '--config', missing], options: ['--sub', '--tenant', '--client', '--scope', '--role', '--acr', '--auth-age', '--act', '--ttl', '--config'] },
  { argv: ['build', '--out', outDir], options: ['--policies', '--out', '--capabilities'] },
  { argv: ['test', missing], options: ['--policy', '--data', '--verbose'] },
  { argv: ['eval', '--input', missing], options: ['--input', '--policy', '--data'] },
  { argv: ['audit'], options: ['--head', '--sqlite', '--postgres', '--schema', '--chain'] },
  { argv: ['audit', 'verify', missing], options: ['--head', '--sqlite', '--postgres', '--schema', '--chain'] },
];

describe('--help on every subcommand', () => {
  for (const { argv, options } of commands) {
    const name = argv[0] as string;
    for (const flag of ['--help', '-h']) {
      it(`${argv.slice(0, name === 'audit' ? 2 : 1).join(' ')} ${flag}: its usage and options on stdout, exit 0, nothing done`, async () => {
        const r = await run(...argv, flag);
        assert.equal(r.code, 0, r.err);
        assert.equal(r.err, '', 'nothing on stderr');
        assert.match(r.out, new RegExp(`^usage: taskguard ${name}\\b`));
        assert.match(r.out, /^options:$/m);
        assert.match(r.out, /^ {2}-h, --help {2,}\S/m);
        for (const option of options) assert.match(r.out, new RegExp(`^ {2}(-\\w, )?${option}\\b.* {2,}\\S`, 'm'), `${name} help describes ${option}`);
        assert.doesNotMatch(r.out, /host at|passed, \d+ failed|"revision"|^ok:/m, 'the command itself did not run');
      });
    }
  }

  it('build --help builds nothing', async () => {
    await run('build', '--out', outDir, '--help');
    assert.equal(existsSync(outDir), false);
  });

  it('taskguard help COMMAND prints the same help as COMMAND --help', async () => {
    const viaHelp = await run('help', 'token');
    assert.equal(viaHelp.code, 0);
    assert.equal(viaHelp.out, (await run('token', '--help')).out);
  });

  it('--help after -- is an argument, not a request for help', async () => {
    const r = await run('test', '--', '--help');
    assert.notEqual(r.code, 0);
  });

  it('help for an unknown command is a usage error that lists the commands', async () => {
    const r = await run('help', 'frobnicate');
    assert.equal(r.code, 2);
    assert.match(r.err, /unknown command frobnicate[\s\S]*taskguard serve/);
  });
});
