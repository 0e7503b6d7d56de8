import { request, type IncomingHttpHeaders } from 'node:http';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface RawRequest {
  url: string;
  method?: string;
  /** Sent as given, Host included (fetch would not let a test set Host). */
  headers?: Record<string, string>;
  body?: Buffer | string;
  timeoutMs?: number;
}

/**
 * One HTTP/1.1 exchange with node:http. A server may answer before it has read the whole body (413) and
 * close the connection; a write error after the response has arrived is then expected, not a failure.
 */
export function rawRequest(options: RawRequest): Promise<RawResponse> {
  const url = new URL(options.url);
  const timeoutMs = options.timeoutMs ?? 15_000;
  return new Promise((resolve, reject) => {
    let settled = false;
    const done = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const req = request({
      host: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, method: options.method ?? 'GET',
      headers: options.headers ?? {}, agent: false,
    }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => done(() => resolve({ status: res.statusCode ?? 0, headers: res.headers, body })));
      res.on('error', (err) => done(() => reject(err)));
    });
    const timer = setTimeout(() => {
      req.destroy();
      done(() => reject(new Error(`${options.method ?? 'GET'} ${options.url}: no response within ${timeoutMs} ms`)));
    }, timeoutMs);
    req.on('error', (err) => {
      // EPIPE / ECONNRESET while still writing a body the server already refused: wait for the response.
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EPIPE' || code === 'ECONNRESET') {
        setTimeout(() => done(() => reject(err)), 2000).unref();
        return;
      }
      done(() => reject(err));
    });
    if (options.body !== undefined) req.end(options.body);
    else req.end();
  });
}

export const INITIALIZE = {
  jsonrpc: '2.0', id: 1, method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'taskguard-e2e-raw', version: '1.0.0' } },
};

export const MCP_POST_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
