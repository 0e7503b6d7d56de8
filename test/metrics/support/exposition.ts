import assert from 'node:assert/strict';
import { rawRequest } from '../../e2e/support/http.js';

export interface Sample {
  name: string;
  labels: Readonly<Record<string, string>>;
  value: number;
}

/** One scrape of /metrics, parsed from the Prometheus text format (version 0.0.4). */
export class Exposition {
  readonly samples: readonly Sample[];
  /** `# TYPE` of each metric family. */
  readonly types: ReadonlyMap<string, string>;

  constructor(text: string) {
    const samples: Sample[] = [];
    const types = new Map<string, string>();
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const type = /^# TYPE (\S+) (\S+)$/.exec(line);
      if (type) types.set(type[1] ?? '', type[2] ?? '');
      if (line.startsWith('#')) continue;
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      assert.ok(match, `not a sample line: ${line}`);
      samples.push({ name: match[1] ?? '', labels: parseLabels(match[2] ?? ''), value: parseValue(match[3] ?? '') });
    }
    this.samples = samples;
    this.types = types;
  }

  /** The samples of `name` whose labels include `labels`. */
  series(name: string, labels: Readonly<Record<string, string>> = {}): Sample[] {
    return this.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  }

  /** The one sample of `name` with exactly these labels (0 when there is none: counters start absent or at 0). */
  value(name: string, labels: Readonly<Record<string, string>> = {}): number {
    const found = this.samples.filter((s) => s.name === name && sameLabels(s.labels, labels));
    assert.ok(found.length <= 1, `${name} ${JSON.stringify(labels)} appears ${found.length} times`);
    return found[0]?.value ?? 0;
  }

  /** Sum over every sample of `name` whose labels include `labels`. */
  sum(name: string, labels: Readonly<Record<string, string>> = {}): number {
    return this.series(name, labels).reduce((total, s) => total + s.value, 0);
  }
}

/** GET /metrics at `base` over real HTTP (headers as given, Host included), checked for status and content type, and parsed. */
export async function scrape(base: string, headers: Record<string, string> = {}): Promise<Exposition> {
  const res = await rawRequest({ url: new URL('/metrics', base).href, headers });
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
  return new Exposition(res.body);
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  const pattern = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/gy;
  let consumed = 0;
  let m: RegExpExecArray | null;
  while ((m = pattern.exec(text)) !== null) {
    consumed += m[0].length;
    labels[m[1] ?? ''] = (m[2] ?? '').replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  assert.equal(consumed, text.length, `labels not parsed: ${text}`);
  return labels;
}

function parseValue(text: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  // Prometheus parses values with Go's ParseFloat, which takes NaN in any case (prom-client writes `Nan`).
  if (text.toLowerCase() === 'nan') return NaN;
  const n = Number(text);
  assert.ok(!Number.isNaN(n), `not a sample value: ${text}`);
  return n;
}

function sameLabels(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

/** Scrapes until `ready` holds or 10 s pass (a worker stops a moment after its task's record settles), returning the last scrape. */
export async function scrapeUntil(base: string, ready: (e: Exposition) => boolean): Promise<Exposition> {
  const until = Date.now() + 10_000;
  for (;;) {
    const e = await scrape(base);
    if (ready(e) || Date.now() > until) return e;
    await new Promise((r) => setTimeout(r, 20));
  }
}
