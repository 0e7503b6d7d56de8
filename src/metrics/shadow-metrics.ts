import { Counter, type Registry } from 'prom-client';
import type { ShadowStats } from '../shadow/shadow-observer.js';

/**
 * Shadow mode's counts (ShadowObserver.stats), read at scrape time: the observer keeps plain numbers, so
 * shadowing costs the decision path nothing for metrics. `result` is agreed, outcome (allow flipped),
 * detail (same outcome, other reasons or obligations) or dropped (the queue was full: not evaluated).
 */
export function registerShadowMetrics(registry: Registry, stats: () => ShadowStats): void {
  new Counter({
    name: 'taskguard_shadow_decisions_total',
    help: 'Sampled decisions the shadow candidate policy evaluated, by how its answer compared with the live one (dropped: not evaluated, the queue was full).',
    labelNames: ['result'],
    registers: [registry],
    collect() {
      const s = stats();
      this.reset();
      this.inc({ result: 'agreed' }, s.agreed);
      this.inc({ result: 'outcome' }, s.disagreed.outcome);
      this.inc({ result: 'detail' }, s.disagreed.detail);
      this.inc({ result: 'dropped' }, s.dropped);
    },
  });
}
