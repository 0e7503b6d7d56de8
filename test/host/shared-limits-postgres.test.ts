import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadHostConfig } from '../../src/config/host-config.js';
import { sliceKey, sliceSizeFor } from '../../src/guard/shared-rate-limit.js';
import { principalKey, type Principal } from '../../src/identity/principal.js';
import { createHostRuntime, type HostRuntime } from '../../src/host/reference-host.js';
import { adminClient, dropSchema, describePostgres, TEST_URL, tempSchema, waitFor } from '../stores/postgres-support.js';
import { freePort } from '../e2e/support/host-process.js';
import { tempDir } from '../support/temp-policy.js';

/** The committed policy's limit, which both hosts read (policies/data.yaml). */
const LIMIT = 600;

const ROSA: Principal = {
  sub: 'rosa', tenant: 'acme', clientId: 'reports-agent', scopes: ['reports:read'], roles: ['analyst'], acr: '', authTimeMs: 0,
  issuer: 'https://issuer.taskguard.test', expiresAtMs: Date.now() + 600_000,
};

describePostgres('the reference host on PostgreSQL shares rate limits', () => {
  const schema = tempSchema();
  const runtimes: HostRuntime[] = [];
  before(async () => {
    process.env['TASKGUARD_LIMITS_DATABASE_URL'] = TEST_URL;
    for (let i = 0; i < 2; i++) {
      const dir = tempDir('taskguard-shared-limits-');
      const file = path.join(dir, 'taskguard.yaml');
      writeFileSync(file, stringify({
        state_dir: 'state', listen: { port: await freePort() },
        store: { kind: 'postgres', url_env: 'TASKGUARD_LIMITS_DATABASE_URL', schema },
      }));
      runtimes.push(await createHostRuntime(loadHostConfig(file), () => {}));
    }
  });
  after(async () => {
    for (const runtime of runtimes) await runtime.settle(() => {});
    await dropSchema(schema);
  });

  it('counts a principal calling both hosts against one budget in the database', async () => {
    // Half a slice on each host: each asks the database for its first slice at the last of these calls.
    const calls = Math.ceil(sliceSizeFor(LIMIT) / 2);
    for (const runtime of runtimes) {
      for (let i = 0; i < calls; i++) await runtime.guard.guard.listTasks(ROSA, undefined);
    }
    const admin = await adminClient(schema);
    try {
      // Two slices asked for in one window (or, across a minute's turn, in two): each host asked once.
      const granted = async (): Promise<number> => (await admin.query<{ total: string | null }>(
        'SELECT sum(granted) AS total FROM rate_slices WHERE principal = $1', [sliceKey(principalKey(ROSA))],
      )).rows.reduce((sum, r) => sum + Number(r.total ?? 0), 0);
      await waitFor('both hosts to take a slice', async () => (await granted()) >= 2 * (calls + sliceSizeFor(LIMIT)));
      assert.equal(await granted(), 2 * (calls + sliceSizeFor(LIMIT)), 'what each used on credit, and a slice ahead');
    } finally {
      await admin.end();
    }
  });
});
