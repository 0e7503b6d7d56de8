import type { IncomingMessage, ServerResponse } from 'node:http';

/** What the host's readiness is made of, each check true or false (no detail: probes are unauthenticated). */
export type ReadinessChecks = () => Promise<Readonly<Record<string, boolean>>>;

export const LIVENESS_PATH = '/livez';
export const READINESS_PATH = '/readyz';

/** How long a readiness check may take before it counts as failed. */
const CHECK_LIMIT_MS = 2000;

/**
 * Liveness and readiness for load balancers and orchestrators: GET only, unauthenticated, and before the Host
 * and Origin checks (a probe addresses the pod, and these answers carry no data worth rebinding for).
 * `/livez` is 200 while the process serves requests. `/readyz` is 200 only when every check passes and the
 * host is not draining, else 503; the body names each check and whether it passed, nothing more.
 */
export async function serveHealth(req: IncomingMessage, res: ServerResponse, pathname: string, draining: boolean, readiness: ReadinessChecks | undefined): Promise<boolean> {
  if (req.method !== 'GET' || (pathname !== LIVENESS_PATH && pathname !== READINESS_PATH)) return false;
  if (pathname === LIVENESS_PATH) {
    reply(res, 200, { status: 'ok' });
    return true;
  }
  const checks: Record<string, boolean> = { ...(await withinLimit(readiness)), serving: !draining };
  const ready = Object.values(checks).every(Boolean);
  reply(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', checks });
  return true;
}

async function withinLimit(readiness: ReadinessChecks | undefined): Promise<Readonly<Record<string, boolean>>> {
  if (!readiness) return {};
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Record<string, boolean>>((resolve) => (timer = setTimeout(() => resolve({ checks_in_time: false }), CHECK_LIMIT_MS)));
  try {
    return await Promise.race([readiness().catch(() => ({ checks_ran: false })), late]);
  } finally {
    clearTimeout(timer);
  }
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}
