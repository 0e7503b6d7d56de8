import net from 'node:net';

/**
 * A port the OS just handed out and released. Another process could take it before the server binds it; then
 * the server fails to start and says so, which is rare enough on a benchmark machine not to warrant retries.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}
