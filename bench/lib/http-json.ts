import http from 'node:http';

/** A JSON-over-HTTP client on one kept-alive connection, as a host calling a sidecar PDP would hold. */
export interface JsonClient {
  /** Serialises `body`, POSTs it to `path`, and parses the answer: the whole round trip a PDP call costs. */
  post(path: string, body: unknown): Promise<unknown>;
  close(): void;
}

export function createJsonClient(baseUrl: string): JsonClient {
  const url = new URL(baseUrl);
  // One socket, reused: sequential requests measure per-call latency, not connection setup or parallelism.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  return {
    post(path: string, body: unknown): Promise<unknown> {
      const payload = Buffer.from(JSON.stringify(body));
      return new Promise((resolve, reject) => {
        const req = http.request(
          {
            agent,
            host: url.hostname,
            port: url.port,
            path,
            method: 'POST',
            headers: { 'content-type': 'application/json', 'content-length': payload.length },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('error', reject);
            res.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              if (res.statusCode !== 200) {
                reject(new Error(`POST ${path}: http ${res.statusCode ?? '?'}: ${text.slice(0, 300)}`));
                return;
              }
              try {
                resolve(JSON.parse(text) as unknown);
              } catch (err) {
                reject(new Error(`POST ${path}: answer is not json`, { cause: err }));
              }
            });
          },
        );
        req.on('error', reject);
        req.end(payload);
      });
    },
    close(): void {
      agent.destroy();
    },
  };
}

/** GET `url` and resolve with the status code; rejects on connection errors or after `timeoutMs`. */
export function getStatus(url: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}
