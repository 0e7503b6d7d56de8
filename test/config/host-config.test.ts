import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadHostConfig } from '../../src/config/host-config.js';
import { TaskguardError } from '../../src/errors.js';
import { mintDevToken } from '../../src/host/dev-identity.js';
import { tempDir } from '../support/temp-policy.js';

function configFile(yaml: string): string {
  const file = path.join(tempDir('taskguard-config-'), 'taskguard.yaml');
  writeFileSync(file, yaml);
  return file;
}

function rejection(yaml: string): string {
  try {
    loadHostConfig(configFile(yaml));
  } catch (err) {
    assert.ok(err instanceof TaskguardError && err.code === 'config_invalid');
    return err.message;
  }
  assert.fail('expected the config to be rejected');
}

describe('host config', () => {
  it('the embedded default serves 127.0.0.1:8787/mcp with the dev identity', () => {
    const config = loadHostConfig();
    assert.equal(config.listen.publicUrl, 'http://127.0.0.1:8787/mcp');
    assert.deepEqual(config.listen.allowedHosts, ['127.0.0.1:8787', 'localhost:8787']);
    assert.equal(config.identity.mode, 'dev');
    assert.equal(config.audit.kind === 'file' && config.audit.fsync, 'interval');
    assert.deepEqual(config.store, { kind: 'sqlite', file: path.resolve('.taskguard', 'tasks.db'), leaseMs: 15_000 });
    assert.ok(Object.isFrozen(config.listen));
  });

  it('merges a file over the default and resolves paths against the file\'s folder', () => {
    const file = configFile('listen: {port: 9999}\nstate_dir: state\naudit: {file: a.jsonl}\n');
    const config = loadHostConfig(file);
    assert.equal(config.listen.port, 9999);
    assert.equal(config.listen.path, '/mcp');
    assert.equal(config.stateDir, path.join(path.dirname(file), 'state'));
    assert.equal(config.audit.kind === 'file' && config.audit.file, path.join(path.dirname(file), 'state', 'a.jsonl'));
  });

  const bad: Array<[string, string, RegExp]> = [
    ['a port out of range', 'listen: {port: 70000}', /listen\.port: must be a whole number 0\.\.65535/],
    ['an unknown key', 'listen: {prot: 1}', /listen\.prot: unknown key/],
    ['an unknown section', 'lisen: {}', /lisen: unknown key/],
    ['a bad fsync policy', 'audit: {fsync: sometimes}', /audit\.fsync: must be always, interval or never/],
    ['a jwt identity accepting none', 'identity: {mode: jwt, issuer: "https://idp", jwks_uri: "https://idp/jwks", algorithms: [none]}', /identity\.algorithms.*none/],
    ['an unknown identity mode', 'identity: {mode: magic}', /identity\.mode: must be dev or jwt/],
    ['a store kind that does not exist', 'store: {kind: redis}', /store\.kind: must be one of sqlite, postgres, memory/],
    ['a sqlite option on a postgres store', 'store: {kind: postgres, file: x.db}', /store\.file: unknown key/],
    ['a connection string in the config', 'store: {kind: postgres, url: "postgres://u:secret@h/db"}', /store\.url: unknown key/],
    ['a lease too short to renew', 'store: {lease_ms: 10}', /store\.lease_ms: must be a whole number 300\.\.3600000/],
    ['an audit database without a database', 'store: {kind: memory}\naudit: {kind: database}', /audit\.kind: database needs store\.kind sqlite or postgres/],
    ['an audit kind that does not exist', 'audit: {kind: syslog}', /audit\.kind: must be file or database/],
    ['a cursor secret in place of its variable name', 'store: {cursor_secret_env: "9f8e7d6c-not-a-name"}', /store\.cursor_secret_env: must be an environment variable name/],
  ];
  for (const [label, yaml, expected] of bad) {
    it(`rejects ${label}, naming the path`, () => {
      assert.match(rejection(yaml), expected);
    });
  }

  it('rejects broken yaml and duplicate keys', () => {
    assert.match(rejection('listen: [\n'), /not valid yaml/);
    assert.match(rejection('listen: {port: 1}\nlisten: {port: 2}\n'), /not valid yaml/);
  });

  it('turns dev tokens off when a real issuer is configured', async () => {
    const config = loadHostConfig(configFile('identity: {mode: jwt, issuer: "https://idp.example.com", jwks_uri: "https://idp.example.com/jwks"}'));
    assert.equal(config.identity.mode, 'jwt');
    await assert.rejects(mintDevToken(config, { sub: 'a', tenant: 't', client: 'c', scopes: [], roles: [], ttlS: 60 }), /dev tokens are off/);
  });
});

describe('host config: audit rotation and retention', () => {
  it('rotates the file at 100 MiB and keeps everything unless told otherwise', () => {
    const config = loadHostConfig();
    assert.deepEqual(config.audit.kind === 'file' && [config.audit.rotate, config.audit.retain], [{ maxBytes: 104_857_600 }, {}]);
  });

  it('takes rotate and retain for a file, retain for a database; rotate: {} never rotates', () => {
    const file = loadHostConfig(configFile('audit: {rotate: {max_bytes: 1048576, max_age_ms: 86400000}, retain: {max_files: 30, max_age_ms: 2592000000}}'));
    assert.deepEqual(file.audit.kind === 'file' && [file.audit.rotate, file.audit.retain], [{ maxBytes: 1_048_576, maxAgeMs: 86_400_000 }, { maxFiles: 30, maxAgeMs: 2_592_000_000 }]);
    const never = loadHostConfig(configFile('audit: {rotate: {}}'));
    assert.deepEqual(never.audit.kind === 'file' && never.audit.rotate, {});
    const db = loadHostConfig(configFile('audit: {kind: database, chain: h, retain: {max_records: 1000000}}'));
    assert.deepEqual(db.audit, { kind: 'database', chain: 'h', retain: { maxRecords: 1_000_000 } });
  });

  const bad: Array<[string, string, RegExp]> = [
    ['a rotation size below 1 KiB', 'audit: {rotate: {max_bytes: 100}}', /audit\.rotate\.max_bytes: must be a whole number 1024\.\.1099511627776/],
    ['a rotation age that is not a number', 'audit: {rotate: {max_age_ms: daily}}', /audit\.rotate\.max_age_ms: must be a whole number 1000\.\.31622400000/],
    ['an unknown rotation key', 'audit: {rotate: {max_files: 3}}', /audit\.rotate\.max_files: unknown key \(expected one of max_bytes, max_age_ms\)/],
    ['rotate that is not a mapping', 'audit: {rotate: 100}', /audit\.rotate: must be a mapping/],
    ['no files kept', 'audit: {retain: {max_files: 0}}', /audit\.retain\.max_files: must be a whole number 1\.\.1000000/],
    ['a record count for a file', 'audit: {retain: {max_records: 5}}', /audit\.retain\.max_records: unknown key \(expected one of max_files, max_age_ms\)/],
    ['rotation for a database', 'audit: {kind: database, rotate: {max_bytes: 2048}}', /audit\.rotate: unknown key/],
    ['a file count for a database', 'audit: {kind: database, retain: {max_files: 3}}', /audit\.retain\.max_files: unknown key \(expected one of max_records, max_age_ms\)/],
  ];
  for (const [label, yaml, expected] of bad) {
    it(`rejects ${label}, naming the path`, () => {
      assert.match(rejection(yaml), expected);
    });
  }
});
