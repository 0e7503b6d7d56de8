import { isDeepStrictEqual } from 'node:util';
import type { ListPosition } from '../../src/stores/types.js';
import type { Rng } from '../lib/rng.js';
import { HEAVY_OWNER, heavyRows, isExpired, isLive, ownerRows, regularOwner, taskId, taskRecord, type Dataset } from './dataset.js';
import type { StoreTarget } from './target.js';

const CHECKED_RECORDS = 64;
const CHECKED_OWNERS = 8;
const PAGE = 500;

/**
 * Checks the seeded table through the store before anything is timed: the row count, records field by field
 * against taskRecord (which catches a seeder that wrote a format the store parses differently), the heavy
 * owner's listing in order, countLive, and a full sweep batch. Returns the heavy owner's live positions in
 * listing order, the starting points of the deep pages.
 */
export async function verifySeed(target: StoreTarget, ds: Dataset, rng: Rng): Promise<ListPosition[]> {
  const { store } = target;
  const rows = await target.countRows();
  if (rows !== ds.size) throw new Error(`${target.kind}: ${rows} rows seeded, expected ${ds.size}`);

  const picks = [0, 1, ds.heavyStride, ds.heavyStride + 1, ds.size - 1, ...Array.from({ length: CHECKED_RECORDS }, () => rng.int(0, ds.size - 1))];
  for (const i of picks) {
    const got = await store.get(taskId(i));
    const want = taskRecord(ds, i);
    if (!isDeepStrictEqual(got, want)) {
      throw new Error(`${target.kind}: seeded row ${i} reads back as\n  ${JSON.stringify(got)}\nexpected\n  ${JSON.stringify(want)}`);
    }
  }

  // The heavy owner's live tasks, paged through the store: they must come in (createdMs, id) order, all of them.
  const positions: ListPosition[] = [];
  let after: ListPosition | undefined;
  for (;;) {
    const page = await store.list({ kind: 'owner', owner: HEAVY_OWNER }, ds.nowMs, after, PAGE);
    for (const r of page.records) {
      if (!isDeepStrictEqual(r.owner, HEAVY_OWNER)) throw new Error(`${target.kind}: the heavy owner's listing holds another owner's task ${r.id}`);
      const last = positions.at(-1);
      if (last && (r.createdMs < last.createdMs || (r.createdMs === last.createdMs && r.id <= last.id))) {
        throw new Error(`${target.kind}: the heavy owner's listing is out of order at ${r.id}`);
      }
      positions.push({ createdMs: r.createdMs, id: r.id });
    }
    after = positions.at(-1);
    if (!page.more) break;
  }
  const heavyLive = heavyRows(ds).filter((i) => !isExpired(ds, i)).length;
  if (positions.length !== heavyLive) throw new Error(`${target.kind}: the heavy owner lists ${positions.length} tasks, expected ${heavyLive}`);

  for (let n = 0; n < CHECKED_OWNERS; n++) {
    const o = rng.int(0, ds.owners - 1);
    const mine = ownerRows(ds, o);
    const live = mine.filter((i) => isLive(ds, i)).length;
    const counted = await store.countLive(regularOwner(o), ds.nowMs);
    if (counted !== live) throw new Error(`${target.kind}: countLive of owner ${o} is ${counted}, expected ${live}`);
    const listed = (await store.list({ kind: 'owner', owner: regularOwner(o) }, ds.nowMs, undefined, 1000)).records.length;
    const unexpired = mine.filter((i) => !isExpired(ds, i)).length;
    if (listed !== unexpired) throw new Error(`${target.kind}: owner ${o} lists ${listed} tasks, expected ${unexpired}`);
  }

  const swept = await store.expired(ds.nowMs, 500);
  if (swept.length !== 500) throw new Error(`${target.kind}: the sweep found ${swept.length} expired tasks, expected a full batch of 500`);
  for (const id of swept.slice(0, 8)) {
    const record = await store.get(id);
    if (!record || record.expiresMs > ds.nowMs) throw new Error(`${target.kind}: the sweep returned ${id}, which has not expired`);
  }
  return positions;
}
