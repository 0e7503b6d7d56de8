import type { IncomingMessage, ServerResponse } from 'node:http';

export const METRICS_PATH = '/metrics';

/** What /metrics serves: a prom-client Registry is one. */
export interface MetricsSource {
  readonly contentType: string;
  metrics(): Promise<string>;
}

/**
 * GET /metrics: the Prometheus text exposition, with the registry's content type. Unauthenticated, like
 * the probes: it carries counts and the policy revisions, no principal, task or tool. A collection that
 * fails answers 500 with no detail.
 */
export async function serveMetrics(req: IncomingMessage, res: ServerResponse, pathname: string, source: MetricsSource): Promise<boolean> {
  if (req.method !== 'GET' || pathname !== METRICS_PATH) return false;
  let body: string;
  try {
    body = await source.metrics();
  } catch {
    res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    res.end('metrics unavailable\n');
    return true;
  }
  res.writeHead(200, { 'content-type': source.contentType, 'cache-control': 'no-store' });
  res.end(body);
  return true;
}
