/**
 * Built-in deterministic datasets: the same name and row count always give byte-identical output, so a
 * test (or a user) can check an export by its checksum. Randomness comes from a PRNG seeded with the
 * dataset's name, never from Math.random.
 */
export const DATASET_NAMES = ['orders', 'customers', 'events'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

export type Cell = string | number;

export interface Dataset {
  columns: readonly string[];
  /** Row `index` (0-based); `random` must be the dataset's stream, advanced row by row in order. */
  row(index: number, random: () => number): Cell[];
}

/** FNV-1a (32 bit): a stable seed from a name. */
export function seedOf(name: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    hash ^= name.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** mulberry32: tiny, fast, good enough for demo data; returns floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const EPOCH_MS = Date.UTC(2024, 0, 1);
const pick = <T>(items: readonly T[], random: () => number): T => items[Math.floor(random() * items.length)] as T;
const between = (lo: number, hi: number, random: () => number): number => lo + Math.floor(random() * (hi - lo + 1));

const PRODUCTS = ['widget', 'gadget', 'gizmo', 'sprocket', 'doohickey', 'thingamajig'] as const;
const ORDER_STATUS = ['placed', 'paid', 'shipped', 'delivered', 'returned'] as const;
const FIRST = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken', 'Radia', 'Tim'] as const;
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Allen', 'Thompson', 'Perlman', 'Lee'] as const;
const COUNTRIES = ['DE', 'FR', 'US', 'JP', 'BR', 'IN', 'NG', 'SE'] as const;
const TIERS = ['free', 'team', 'enterprise'] as const;
const EVENT_TYPES = ['page_view', 'click', 'search', 'signup', 'export'] as const;
const PATHS = ['/', '/docs', '/pricing', '/reports', '/settings', '/search'] as const;

export const DATASETS: Readonly<Record<DatasetName, Dataset>> = {
  orders: {
    columns: ['order_id', 'customer_id', 'product', 'quantity', 'unit_price_cents', 'placed_at', 'status'],
    row: (i, random) => [
      i + 1,
      between(1, 5000, random),
      pick(PRODUCTS, random),
      between(1, 12, random),
      between(199, 49_999, random),
      new Date(EPOCH_MS + i * 60_000 + between(0, 59_999, random)).toISOString(),
      pick(ORDER_STATUS, random),
    ],
  },
  customers: {
    columns: ['customer_id', 'name', 'email', 'country', 'tier', 'signed_up'],
    row: (i, random) => {
      const first = pick(FIRST, random);
      const last = pick(LAST, random);
      return [
        i + 1,
        `${first} ${last}`,
        `${first.toLowerCase()}.${last.toLowerCase()}${i + 1}@example.com`,
        pick(COUNTRIES, random),
        pick(TIERS, random),
        new Date(EPOCH_MS + between(0, 365, random) * 86_400_000).toISOString().slice(0, 10),
      ];
    },
  },
  events: {
    columns: ['event_id', 'at', 'user_id', 'type', 'path', 'duration_ms'],
    row: (i, random) => [
      i + 1,
      new Date(EPOCH_MS + i * 1_000 + between(0, 999, random)).toISOString(),
      between(1, 20_000, random),
      pick(EVENT_TYPES, random),
      pick(PATHS, random),
      between(1, 30_000, random),
    ],
  },
};

/** RFC 4180: quote a field only when it holds a comma, quote or line break. */
export function csvLine(cells: readonly Cell[]): string {
  return cells.map((cell) => {
    const text = String(cell);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  }).join(',') + '\n';
}

export function jsonLine(columns: readonly string[], cells: readonly Cell[]): string {
  const record: Record<string, Cell> = {};
  columns.forEach((column, i) => {
    record[column] = cells[i] ?? '';
  });
  return JSON.stringify(record) + '\n';
}
