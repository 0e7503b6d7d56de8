import { LIVE } from './sqlite-schema.js';

/**
 * Every statement SqliteTaskStore runs, in one place so tests can EXPLAIN the exact text. Each one that can
 * return several tasks filters by scope in its WHERE clause, before ORDER BY and LIMIT, so a page never
 * holds (nor is cut short by) another owner's rows.
 */
const COLUMNS = [
  'id', 'tool', 'tenant', 'sub', 'client_id', 'scopes', 'status', 'status_message', 'created_ms', 'updated_ms',
  'ttl_ms', 'expires_ms', 'poll_interval_ms', 'results_read', 'outcome', 'revoked', 'idempotency_key', 'request_digest',
  'instance_id', 'lease_until_ms',
] as const;

/** Paging after a position: a row-value range on the index's trailing (created_ms, id) columns. */
const AFTER = '(created_ms, id) > (@after_ms, @after_id) ORDER BY created_ms, id LIMIT @limit';

export const SQL = {
  insert: `INSERT INTO tasks (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((c) => `@${c}`).join(', ')})`,
  get: 'SELECT * FROM tasks WHERE id = ?',
  // The same row without the result payload: no copy and no JSON parse of a result nobody asked for.
  getWithoutOutcome: `SELECT ${COLUMNS.map((c) => (c === 'outcome' ? 'NULL AS outcome' : c)).join(', ')} FROM tasks WHERE id = ?`,
  byIdempotencyKey: `SELECT * FROM tasks WHERE tenant = @tenant AND sub = @sub AND client_id = @client_id
    AND idempotency_key = @idempotency_key AND idempotency_key IS NOT NULL`,
  listByOwner: `SELECT * FROM tasks WHERE tenant = @tenant AND sub = @sub AND client_id = @client_id AND expires_ms > @now AND ${AFTER}`,
  listByTenant: `SELECT * FROM tasks WHERE tenant = @tenant AND expires_ms > @now AND ${AFTER}`,
  // Compare-and-set: the status must be one the caller expects AND not terminal, checked in the same
  // statement that writes, so of two racing transitions exactly one matches. The set_* flags say which
  // patch fields were given (an absent field keeps its value).
  transition: `UPDATE tasks SET
      status = CASE WHEN @set_status THEN @status ELSE status END,
      status_message = CASE WHEN @set_message THEN @status_message ELSE status_message END,
      outcome = CASE WHEN @set_outcome THEN @outcome ELSE outcome END,
      updated_ms = @now
    WHERE id = @id AND status IN (SELECT value FROM json_each(@from))
      AND status NOT IN ('completed', 'failed', 'cancelled')
    RETURNING *`,
  // The single read: only the UPDATE that still finds results_read = 0 changes the row.
  readOnce: `UPDATE tasks SET results_read = results_read + 1, outcome = NULL, revoked = 1
    WHERE id = @id AND results_read = 0 RETURNING *`,
  read: 'UPDATE tasks SET results_read = results_read + 1 WHERE id = @id RETURNING *',
  delete: 'DELETE FROM tasks WHERE id = ?',
  expired: 'SELECT id FROM tasks WHERE expires_ms <= ? ORDER BY expires_ms LIMIT ?',
  countLive: `SELECT count(*) AS n FROM tasks WHERE tenant = ? AND sub = ? AND client_id = ? AND expires_ms > ? AND ${LIVE}`,
  claim: `UPDATE tasks SET instance_id = @instance, lease_until_ms = @until
    WHERE id = @id AND ${LIVE} AND (instance_id IS NULL OR instance_id = @instance)`,
  renew: `UPDATE tasks SET lease_until_ms = @until WHERE instance_id = @instance AND ${LIVE} RETURNING id`,
  // The inner SELECT bounds the batch; the outer WHERE repeats the test so a row another handle settled
  // meanwhile is not settled twice (SQLite runs one writer at a time, so this is belt and braces).
  recover: `UPDATE tasks SET status = 'failed', status_message = @message, outcome = @outcome, updated_ms = @now, lease_until_ms = NULL
    WHERE id IN (SELECT id FROM tasks WHERE ${LIVE} AND lease_until_ms <= @now ORDER BY lease_until_ms LIMIT @limit)
      AND ${LIVE} AND lease_until_ms <= @now
    RETURNING *`,
} as const;
