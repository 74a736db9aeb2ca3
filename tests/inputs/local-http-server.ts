// A real HTTP server on a loopback address, so downloads are tested over real sockets.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LocalServer {
  /** e.g. http://127.0.0.1:43121 */
  origin: string;
  close(): Promise<void>;
}

// Listens on a free port; close() also ends connections a test left hanging.
export async function startLocalServer(handler: http.RequestListener, host = '127.0.0.1'): Promise<LocalServer> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
