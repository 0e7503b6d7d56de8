import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SKIP_POSTGRES, TEST_URL, tempPair } from '../stores/postgres-support.js';
import { describeManyHosts } from './many-hosts.js';

if (SKIP_POSTGRES) {
  describe('two hosts sharing one PostgreSQL store', { skip: 'TASKGUARD_SKIP_POSTGRES=1' }, () => {});
} else if (TEST_URL === '') {
  describe('two hosts sharing one PostgreSQL store', () => {
    it('needs a PostgreSQL server', () => {
      assert.fail('TASKGUARD_TEST_POSTGRES_URL is not set: npm test starts one; or set TASKGUARD_SKIP_POSTGRES=1 to skip');
    });
  });
} else {
  describeManyHosts('PostgreSQL', tempPair);
}
