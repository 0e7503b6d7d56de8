import http from 'node:http';

/** One HTTP request exactly as the fuzz wants it on the wire. */
export interface RawRequest {
  method: string;
  path: string;
  /** Sent as given, in this order; nothing is added but Content-Length, and Host when absent here. */
  headers: ReadonlyArray<readonly [string, string]>;
  body?: Buffer;
}

export interface RawResponse {
  status: number;
  headers: Readonly<Record<string, string>>;
  body: string;
  /** The answer did not end within the wait (a stream left open, or a host that hangs). */
  timedOut: boolean;
}

/**
 * Sends one request over node:http rather than fetch: fetch silently drops a Host header and adds a
 * Content-Type the fuzz did not ask for, and both are headers under test. Connections are kept alive,
 * as a real client's would be.
 */
export function createRawClient(baseUrl: string): { send(request: RawRequest, waitMs: number): Promise<RawResponse>; close(): void } {
  const url = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  return {
    send(request, waitMs) {
      return new Promise((resolve, reject) => {
        const headers: Array<[string, string]> = request.headers.map(([k, v]) => [k, v]);
        // Given as a list, node sends exactly these headers: not even Host is added by itself.
        if (!headers.some(([k]) => k.toLowerCase() === 'host')) headers.unshift(['host', url.host]);
        if (request.body !== undefined) headers.push(['content-length', String(request.body.length)]);
        const req = http.request({ agent, host: url.hostname, port: url.port, method: request.method, path: request.path, headers: headers.flat() });
        const chunks: Buffer[] = [];
        let status = 0;
        let answerHeaders: Record<string, string> = {};
        let settled = false;
        const finish = (timedOut: boolean): void => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({ status, headers: answerHeaders, body: Buffer.concat(chunks).toString('utf8'), timedOut });
        };
        // An open stream (a standalone SSE GET, a tasks/result still waiting) is cut here; the host must cope.
        const timer = setTimeout(() => {
          finish(true);
          req.destroy();
        }, waitMs);
        req.on('response', (res) => {
          status = res.statusCode ?? 0;
          answerHeaders = Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v ?? '']));
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => finish(false));
          res.on('error', () => finish(false));
        });
        req.on('error', (err) => {
          if (settled) return;
          // The host may close a connection after answering (413 with Connection: close); that is an answer.
          if (status !== 0) return finish(false);
          settled = true;
          clearTimeout(timer);
          reject(err);
        });
        req.end(request.body);
      });
    },
    close() {
      agent.destroy();
    },
  };
}

/** JSON-RPC messages in a response body: a JSON object or array, or the data lines of an SSE stream. */
export function messagesOf(response: RawResponse): unknown[] {
  const type = response.headers['content-type'] ?? '';
  if (type.startsWith('text/event-stream')) {
    const out: unknown[] = [];
    for (const event of response.body.split(/\r?\n\r?\n/)) {
      const data = event.split(/\r?\n/).filter((l) => l.startsWith('data:')).map((l) => l.slice(5).replace(/^ /, '')).join('\n');
      if (data.trim() === '') continue;
      out.push(parseOrText(data));
    }
    return out;
  }
  if (response.body.trim() === '') return [];
  const parsed = parseOrText(response.body);
  return Array.isArray(parsed) ? parsed : [parsed];
}

function parseOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { unparsable: text.slice(0, 200) };
  }
}
