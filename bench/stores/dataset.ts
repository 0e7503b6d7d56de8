import { createHash } from 'node:crypto';
import type { TaskOwner } from '../../src/decision/types.js';
import type { TaskRecord } from '../../src/stores/types.js';

/**
 * The seeded table. Every row is a pure function of its index i (no PRNG state), so the SQLite seeder builds
 * rows in JavaScript while the PostgreSQL seeder computes the same rows in SQL from generate_series, and a
 * seeded row can be checked against taskRecord(i) field by field. The randomness comes from md5 of the index:
 * the id is that digest as a UUID, and two 32-bit slices of it pick the creation time and the status.
 *
 * Shape (at every size, so only the table grows between sizes, not the work per call):
 * - one heavy owner, whose deep pages are listed, has heavyTasks rows spread evenly through the table (every
 *   size / heavyTasks-th row), as a busy owner's tasks are interleaved with everyone else's over time;
 * - the other rows go round-robin to (size - heavyTasks) / 100 regular owners, about 100 tasks each, so a
 *   first page of 50 is full at every size; owner o is tenant-(o % 100) / user-(o / 100), one client app.
 *   Row order is insertion order, so one owner's rows lie far apart in the table and its indexes, as they
 *   would after a day of traffic;
 * - created in the 24 h before `now` (at least 2 min before it);
 * - 10% working (live), the rest completed with a small result; results are read once on a third of them;
 * - about 1% (but at least ~1,000 rows, so a 500-row sweep always finds a full batch) expired a minute or
 *   more before `now`; everything else expires 1-25 h after it.
 */
export const TASKS_PER_OWNER = 100;
export const TENANTS = 100;
export const CLIENT_ID = 'reports-agent';
export const TOOL = 'convert_document';
export const SCOPES = ['docs:convert', 'reports:read'] as const;
export const HEAVY_OWNER: TaskOwner = { tenant: 'tenant-0', sub: 'user-heavy', client_id: CLIENT_ID };
/** Salt of the md5 the ids are made from: another salt, another table. */
const ID_SALT = 'tg-bench:';

const MIN_AGE_MS = 120_000;
const SPAN_MS = 86_400_000 - MIN_AGE_MS;
/** Longer than the oldest row's age plus an hour: a row not in the expired class expires after `now`. */
const LIVE_TTL_MS = 25 * 3_600_000;
/** Every row is at least MIN_AGE_MS old, so these expired at least a minute before `now`. */
const EXPIRED_TTL_MS = 60_000;
const WORKING_PERMILLE = 100;
const POLL_INTERVAL_MS = 500;

export interface Dataset {
  size: number;
  heavyTasks: number;
  /** Regular owners (the heavy one not counted). */
  owners: number;
  /** Every heavyStride-th row (the first heavyTasks of them) is the heavy owner's. */
  heavyStride: number;
  /** Whole seconds, so the same `now` is exact in SQL and JavaScript. */
  nowMs: number;
  expiredPermille: number;
}

export function makeDataset(size: number, heavyTasks: number, nowMs: number): Dataset {
  return {
    size,
    heavyTasks,
    owners: Math.max(1, Math.floor((size - heavyTasks) / TASKS_PER_OWNER)),
    heavyStride: Math.max(1, Math.floor(size / heavyTasks)),
    nowMs: Math.floor(nowMs / 1000) * 1000,
    expiredPermille: Math.max(10, Math.ceil(1_000_000 / size)),
  };
}

export function regularOwner(o: number): TaskOwner {
  return { tenant: `tenant-${o % TENANTS}`, sub: `user-${Math.floor(o / TENANTS)}`, client_id: CLIENT_ID };
}

export function isHeavy(ds: Dataset, i: number): boolean {
  return i % ds.heavyStride === 0 && i / ds.heavyStride < ds.heavyTasks;
}

/** Indices of the heavy owner's rows. */
export function heavyRows(ds: Dataset): number[] {
  return Array.from({ length: ds.heavyTasks }, (_, k) => k * ds.heavyStride);
}

/** The regular owner of a row that is not the heavy owner's: round-robin over the regular rows in order. */
function ownerIndex(ds: Dataset, i: number): number {
  const heavyUpToHere = Math.min(ds.heavyTasks, Math.floor(i / ds.heavyStride) + 1);
  return (i - heavyUpToHere) % ds.owners;
}

/** Indices of regular owner o's rows (a scan of the whole index range: for checks, not for timed code). */
export function ownerRows(ds: Dataset, o: number): number[] {
  const rows: number[] = [];
  for (let i = 0; i < ds.size; i++) if (!isHeavy(ds, i) && ownerIndex(ds, i) === o) rows.push(i);
  return rows;
}

function digest(i: number): string {
  return createHash('md5').update(`${ID_SALT}${i}`).digest('hex');
}

/** The digest as a UUID, as PostgreSQL's md5(...)::uuid::text spells it. */
function uuid(h: string): string {
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export function taskId(i: number): string {
  return uuid(digest(i));
}

type Kind = 'working' | 'completed' | 'expired';

function shape(ds: Dataset, i: number): { id: string; createdMs: number; r2: number; kind: Kind } {
  const h = digest(i);
  const r1 = Number.parseInt(h.slice(0, 8), 16);
  const r2 = Number.parseInt(h.slice(8, 16), 16);
  const klass = r2 % 1000;
  const kind: Kind = klass < WORKING_PERMILLE ? 'working' : klass < WORKING_PERMILLE + ds.expiredPermille ? 'expired' : 'completed';
  return { id: uuid(h), createdMs: ds.nowMs - MIN_AGE_MS - (r1 % SPAN_MS), r2, kind };
}

export function isExpired(ds: Dataset, i: number): boolean {
  return shape(ds, i).kind === 'expired';
}

export function isLive(ds: Dataset, i: number): boolean {
  return shape(ds, i).kind === 'working';
}

export function taskRecord(ds: Dataset, i: number): TaskRecord {
  const { id, createdMs, r2, kind } = shape(ds, i);
  const owner = isHeavy(ds, i) ? HEAVY_OWNER : regularOwner(ownerIndex(ds, i));
  const ttlMs = kind === 'expired' ? EXPIRED_TTL_MS : LIVE_TTL_MS;
  const record: TaskRecord = {
    id,
    tool: TOOL,
    owner,
    scopes: [...SCOPES],
    status: kind === 'working' ? 'working' : 'completed',
    createdMs,
    updatedMs: kind === 'working' ? createdMs : createdMs + 50 + (r2 % 60_000),
    ttlMs,
    expiresMs: createdMs + ttlMs,
    pollIntervalMs: POLL_INTERVAL_MS,
    resultsRead: kind !== 'working' && r2 % 3 === 0 ? 1 : 0,
    revoked: false,
  };
  if (kind !== 'working') record.outcome = { kind: 'result', result: { content: [{ type: 'text', text: `converted document ${i}` }] } };
  return record;
}

/**
 * taskRecord in SQL, as PostgresTaskStore stores it (src/stores/postgres-rows.ts toParams): JSON text for
 * scopes and outcome, BIGINT times, BOOLEAN revoked. Inserts rows $1..$2 (inclusive) into `table`. The two
 * must agree; the benchmark compares seeded rows with taskRecord before it measures anything.
 */
export function postgresInsertSql(ds: Dataset, table: string): string {
  const { heavyTasks, heavyStride: stride } = ds;
  const slice = (from: number): string => `('x' || lpad(substr(h, ${from}, 8), 16, '0'))::bit(64)::bigint`;
  const working = `klass < ${WORKING_PERMILLE}`;
  const expired = `klass >= ${WORKING_PERMILLE} AND klass < ${WORKING_PERMILLE + ds.expiredPermille}`;
  const outcome = `'{"kind":"result","result":{"content":[{"type":"text","text":"converted document ' || i || '"}]}}'`;
  return `
    WITH hashed AS (
      SELECT i, h, ${slice(1)} AS r1, ${slice(9)} AS r2
      FROM generate_series($1::bigint, $2::bigint) AS i, md5('${ID_SALT}' || i) AS h
    ), shaped AS (
      SELECT i, h, r2, r2 % 1000 AS klass, ${ds.nowMs}::bigint - ${MIN_AGE_MS} - r1 % ${SPAN_MS} AS created,
        CASE WHEN i % ${stride} = 0 AND i / ${stride} < ${heavyTasks} THEN NULL
          ELSE (i - LEAST(${heavyTasks}, i / ${stride} + 1)) % ${ds.owners} END AS o
      FROM hashed
    )
    INSERT INTO ${table} (id, tool, tenant, sub, client_id, scopes, status, status_message, created_ms, updated_ms,
      ttl_ms, expires_ms, poll_interval_ms, results_read, outcome, revoked, idempotency_key, request_digest)
    SELECT h::uuid::text, '${TOOL}',
      CASE WHEN o IS NULL THEN '${HEAVY_OWNER.tenant}' ELSE 'tenant-' || (o % ${TENANTS}) END,
      CASE WHEN o IS NULL THEN '${HEAVY_OWNER.sub}' ELSE 'user-' || (o / ${TENANTS}) END,
      '${CLIENT_ID}', '${JSON.stringify(SCOPES)}',
      CASE WHEN ${working} THEN 'working' ELSE 'completed' END, NULL,
      created,
      CASE WHEN ${working} THEN created ELSE created + 50 + r2 % 60000 END,
      CASE WHEN ${expired} THEN ${EXPIRED_TTL_MS} ELSE ${LIVE_TTL_MS} END,
      created + CASE WHEN ${expired} THEN ${EXPIRED_TTL_MS} ELSE ${LIVE_TTL_MS} END,
      ${POLL_INTERVAL_MS},
      CASE WHEN NOT (${working}) AND r2 % 3 = 0 THEN 1 ELSE 0 END,
      CASE WHEN ${working} THEN NULL ELSE ${outcome} END,
      FALSE, NULL, NULL
    FROM shaped`;
}
