import { LIVE } from './postgres-schema.js';

/**
 * A statement with named parameters. `text` is what PostgreSQL receives ($1, $2, ...), `params` names each
 * position, and `name` is its prepared-statement name (each connection parses and plans it once).
 */
export interface Statement {
  name: string;
  text: string;
  params: readonly string[];
}

/** Turns `@name` placeholders into $n; a name used twice is one parameter. */
function statement(name: string, source: string): Statement {
  const params: string[] = [];
  const text = source.replace(/@(\w+)/g, (_, param: string) => {
    const at = params.indexOf(param);
    if (at >= 0) return `$${at + 1}`;
    params.push(param);
    return `$${params.length}`;
  });
  return { name: `taskguard_${name}`, text, params };
}

/** Every column an insert writes, in order: the record's, and the creating host's lease. */
export const COLUMNS = [
  'id', 'tool', 'tenant', 'sub', 'client_id', 'scopes', 'status', 'status_message', 'created_ms', 'updated_ms',
  'ttl_ms', 'expires_ms', 'poll_interval_ms', 'results_read', 'outcome', 'revoked', 'idempotency_key', 'request_digest',
  'instance_id', 'lease_until_ms',
] as const;

const INSERT = `INSERT INTO tasks (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((c) => `@${c}`).join(', ')})`;

/** Paging after a position: a row-value range on the index's trailing (created_ms, id) columns. */
const AFTER = '(created_ms, id) > (@after_ms::bigint, @after_id::text) ORDER BY created_ms, id LIMIT @limit::bigint';

const TERMINAL = `status NOT IN ('completed', 'failed', 'cancelled')`;

/**
 * Every statement PostgresTaskStore runs, in one place so tests can EXPLAIN the exact text. Each one that
 * can return several tasks filters by scope in its WHERE clause, before ORDER BY and LIMIT, so a page never
 * holds (nor is cut short by) another owner's rows. Under READ COMMITTED, an UPDATE that finds its row
 * changed by a concurrent commit re-checks its WHERE clause against the new version, which is what makes
 * each conditional UPDATE below a compare-and-set.
 */
export const SQL = {
  insert: statement('insert', INSERT),
  // The keyed create: a row already holding the owner's key makes this insert nothing (a racing insert
  // is waited for, then counts as holding it). A duplicate id still fails: it is not the conflict target.
  insertKeyed: statement('insert_keyed', `${INSERT}
    ON CONFLICT (tenant, sub, client_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING RETURNING id`),
  get: statement('get', 'SELECT * FROM tasks WHERE id = @id::text'),
  // The same row without the result payload: polls never read it.
  getWithoutOutcome: statement('get_without_outcome',
    `SELECT ${COLUMNS.map((c) => (c === 'outcome' ? 'NULL::text AS outcome' : c)).join(', ')} FROM tasks WHERE id = @id::text`),
  byIdempotencyKey: statement('by_idempotency_key', `SELECT * FROM tasks WHERE tenant = @tenant::text AND sub = @sub::text
    AND client_id = @client_id::text AND idempotency_key = @idempotency_key::text AND idempotency_key IS NOT NULL`),
  listByOwner: statement('list_by_owner', `SELECT * FROM tasks WHERE tenant = @tenant::text AND sub = @sub::text
    AND client_id = @client_id::text AND expires_ms > @now::bigint AND ${AFTER}`),
  listByTenant: statement('list_by_tenant', `SELECT * FROM tasks WHERE tenant = @tenant::text AND expires_ms > @now::bigint AND ${AFTER}`),
  // Compare-and-set: the status must be one the caller expects AND not terminal, checked in the statement
  // that writes, so of racing transitions exactly one matches. The set_* flags say which patch fields were
  // given (an absent field keeps its value).
  transition: statement('transition', `UPDATE tasks SET
      status = CASE WHEN @set_status::boolean THEN @status::text ELSE status END,
      status_message = CASE WHEN @set_message::boolean THEN @status_message::text ELSE status_message END,
      outcome = CASE WHEN @set_outcome::boolean THEN @outcome::text ELSE outcome END,
      updated_ms = @now::bigint
    WHERE id = @id::text AND status = ANY (@from::text[]) AND ${TERMINAL}
    RETURNING *`),
  // The single read, in one statement: the CTE (run once, see recover) locks the row as it reads the
  // outcome, so the outcome returned is the one this UPDATE drops; a racing reader waits for the lock, then
  // finds results_read above 0 and matches nothing.
  readOnce: statement('read_once', `WITH old AS MATERIALIZED (
      SELECT id, outcome FROM tasks WHERE id = @id::text AND results_read = 0 FOR UPDATE
    )
    UPDATE tasks SET results_read = tasks.results_read + 1, outcome = NULL, revoked = TRUE
    FROM old WHERE tasks.id = old.id AND tasks.results_read = 0
    RETURNING tasks.*, old.outcome AS read_outcome`),
  read: statement('read', 'UPDATE tasks SET results_read = results_read + 1 WHERE id = @id::text RETURNING *'),
  delete: statement('delete', 'DELETE FROM tasks WHERE id = @id::text'),
  expired: statement('expired', 'SELECT id FROM tasks WHERE expires_ms <= @now::bigint ORDER BY expires_ms LIMIT @limit::bigint'),
  countLive: statement('count_live', `SELECT count(*) AS n FROM tasks WHERE tenant = @tenant::text AND sub = @sub::text
    AND client_id = @client_id::text AND expires_ms > @now::bigint AND ${LIVE}`),
  claim: statement('claim', `UPDATE tasks SET instance_id = @instance::text, lease_until_ms = @until::bigint
    WHERE id = @id::text AND ${LIVE} AND (instance_id IS NULL OR instance_id = @instance::text)`),
  renew: statement('renew', `UPDATE tasks SET lease_until_ms = @until::bigint WHERE instance_id = @instance::text AND ${LIVE} RETURNING id`),
  // The CTE bounds the batch and locks it; SKIP LOCKED leaves rows another recoverer holds to that one
  // instead of waiting for them, and a row it settled meanwhile fails the re-checked WHERE (LIVE), so racing
  // recoverers never settle an orphan twice. It must be a CTE, run once: as `id IN (subquery)` the planner
  // may rescan the subquery per row, and each rescan skips the rows this statement already updated and
  // locks the next ones, so LIMIT would bound nothing.
  recover: statement('recover', `WITH batch AS MATERIALIZED (
      SELECT id FROM tasks WHERE ${LIVE} AND lease_until_ms <= @now::bigint ORDER BY lease_until_ms LIMIT @limit::bigint
      FOR UPDATE SKIP LOCKED
    )
    UPDATE tasks SET status = 'failed', status_message = @message::text, outcome = @outcome::text,
      updated_ms = @now::bigint, lease_until_ms = NULL
    FROM batch WHERE tasks.id = batch.id AND ${LIVE} AND lease_until_ms <= @now::bigint
    RETURNING tasks.*`),
  // One slice of a principal's window budget: at most @want, never past @limit in total. ON CONFLICT locks
  // the row, so racing hosts add up exactly; a spent budget matches the DO UPDATE's WHERE for no row and
  // writes nothing. SET reads the row as it was, so last_slice is this hand-out's size.
  takeSlice: statement('take_slice', `INSERT INTO rate_slices AS r (principal, window_ms, granted, last_slice)
    VALUES (@principal::text, @window::bigint, LEAST(@want::bigint, @limit::bigint), LEAST(@want::bigint, @limit::bigint))
    ON CONFLICT (principal, window_ms) DO UPDATE
      SET granted = r.granted + LEAST(@want::bigint, @limit::bigint - r.granted),
        last_slice = LEAST(@want::bigint, @limit::bigint - r.granted)
      WHERE r.granted < @limit::bigint
    RETURNING last_slice`),
  // A bounded batch of ended windows, as recover bounds its batch (a CTE run once, SKIP LOCKED for racers).
  pruneSlices: statement('prune_slices', `WITH dead AS MATERIALIZED (
      SELECT principal, window_ms FROM rate_slices WHERE window_ms < @before::bigint LIMIT @limit::bigint FOR UPDATE SKIP LOCKED
    )
    DELETE FROM rate_slices USING dead WHERE rate_slices.principal = dead.principal AND rate_slices.window_ms = dead.window_ms`),
  // A hint to the host running a cancelled task; what it carries is in postgres-notify.ts.
  notify: statement('notify', 'SELECT pg_notify(@channel::text, @notice::text)'),
} as const;

export type StatementName = keyof typeof SQL;
