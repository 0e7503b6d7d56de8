import type { Registry } from 'prom-client';
import { CellCounter } from './cell-counter.js';
import { indexer, LOCAL_ERROR_PATHS, type LocalErrorPath } from './labels.js';

const pathIndex = indexer(LOCAL_ERROR_PATHS);

/**
 * Local failures: a request the guard answered with -32603 and a correlation id (the task store failing,
 * mostly), and errors of the background work that has no request to fail (expiry sweeps, lease passes,
 * which only read and write the store). The cause is in the operator's log under the correlation id; it is
 * no label, since error text is unbounded.
 */
export class LocalErrorMetrics {
  readonly #errors: CellCounter;

  constructor(registry: Registry) {
    this.#errors = new CellCounter(registry, 'taskguard_local_errors_total', 'Local failures (the task store, mostly): while serving a request, or in a background sweep or lease pass.', [
      ['path', LOCAL_ERROR_PATHS],
    ]);
  }

  count(path: LocalErrorPath): void {
    this.#errors.add(pathIndex(path));
  }
}
